import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptingStore, deriveJwtKey } from '../../src/index.js';
import { FileStore } from '../../src/node.js';
import { raceCodeRedemption } from '../authorization-server/concurrent-code.js';

describe('one authorization code, 50 concurrent token requests, on the file store', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'code-race-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exactly one succeeds; the replays are invalid_grant and revoke the grant', async () => {
    const result = await raceCodeRedemption([new FileStore({ path: join(dir, 'one.json') })]);
    expect(result.succeeded).toBe(1);
    expect(result.statuses.filter((s) => s === 400)).toHaveLength(49);
    expect(new Set(result.errors)).toEqual(new Set(['invalid_grant']));
    expect(result.winnerAccessTokenValid).toBe(false);
  });

  it('exactly one succeeds across two server instances sharing one encrypted file store', async () => {
    const key = await deriveJwtKey({ highEntropyMaterial: 'code-race-secret-0123456789-0123456789' }, 'code-race');
    const shared = new EncryptingStore({ store: new FileStore({ path: join(dir, 'shared.json') }), key });
    const result = await raceCodeRedemption([shared, shared]);
    expect(result.succeeded).toBe(1);
    expect(result.errors).toHaveLength(49);
  });
});
