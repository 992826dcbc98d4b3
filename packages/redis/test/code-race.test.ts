import { EncryptingStore, deriveJwtKey } from '@mcpauth/core';
import { startRedis, type RedisHarness } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The authorization server's reusable race (core's test helper), run here on Redis.
import { raceCodeRedemption } from '../../core/test/authorization-server/concurrent-code.js';
import { RedisStore } from '../src/index.js';

describe('one authorization code, 50 concurrent token requests, on Redis', () => {
  let redis: RedisHarness;
  const stores: RedisStore[] = [];
  const open = () => {
    const store = new RedisStore({ url: redis.url });
    stores.push(store);
    return store;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.close();
  });

  it('exactly one succeeds; the replays are invalid_grant and revoke the grant', async () => {
    const result = await raceCodeRedemption([open()]);
    expect(result.succeeded).toBe(1);
    expect(result.statuses.filter((s) => s === 400)).toHaveLength(49);
    expect(new Set(result.errors)).toEqual(new Set(['invalid_grant']));
    expect(result.winnerAccessTokenValid).toBe(false);
  });

  it('exactly one succeeds across two server instances, each with its own RedisStore on one server', async () => {
    const result = await raceCodeRedemption([open(), open()]);
    expect(result.succeeded).toBe(1);
    expect(result.errors).toHaveLength(49);
  });

  it('the same through EncryptingStore on each instance', async () => {
    const key = await deriveJwtKey({ highEntropyMaterial: 'redis-race-secret-0123456789-0123456789' }, 'redis-race');
    const result = await raceCodeRedemption([new EncryptingStore({ store: open(), key }), new EncryptingStore({ store: open(), key })]);
    expect(result.succeeded).toBe(1);
    expect(result.errors).toHaveLength(49);
  });
});
