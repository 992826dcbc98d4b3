import { EncryptingStore, StorageFullError, deriveJwtKey } from '@mcpauth/core';
import { startRedis, storeContract, takeConcurrently, waitFor, type RedisHarness } from '@mcpauth/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';

let redis: RedisHarness;
let raw: Redis;
const stores: RedisStore[] = [];
const open = (options: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) => {
  const store = new RedisStore({ url: redis.url, ...options } as ConstructorParameters<typeof RedisStore>[0]);
  stores.push(store);
  return store;
};

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url);
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await raw?.quit();
  await redis?.close();
});

describe('RedisStore contract (from a URL)', () => {
  for (const c of storeContract) it(c.name, () => c.run(open()));
});

describe('RedisStore contract (an ioredis instance passed in)', () => {
  for (const c of storeContract) it(c.name, () => c.run(new RedisStore({ client: raw })));
});

describe('EncryptingStore over RedisStore (contract)', () => {
  for (const c of storeContract) {
    it(c.name, async () => {
      const key = await deriveJwtKey({ highEntropyMaterial: 'redis-test-secret-0123456789-0123456789' }, 'redis-test');
      await c.run(new EncryptingStore({ store: open(), key }));
    });
  }
});

describe('RedisStore', () => {
  it('50 concurrent takes from two store instances on one server: exactly one value', async () => {
    const one = open();
    const two = open();
    for (let round = 0; round < 5; round++) {
      const key = `codes:race-${round}`;
      await one.set(key, `grant-${round}`, { ttlSeconds: 60 });
      const results = await takeConcurrently([one, two], key, 50);
      expect(results.filter((r) => r !== null)).toEqual([`grant-${round}`]);
    }
  });

  it('prefixes every key; stores with other prefixes do not see each other', async () => {
    const a = open({ prefix: 'app-a:' });
    const b = open({ prefix: 'app-b:' });
    await a.set('clients:c1', 'A');
    await b.set('clients:c1', 'B');
    expect(await raw.get('app-a:clients:c1')).toBe('A');
    expect(await raw.get('app-b:clients:c1')).toBe('B');
    expect(await b.take('clients:c1')).toBe('B');
    expect(await a.get('clients:c1')).toBe('A');
    await open().set('default-prefix', 'x');
    expect(await raw.get('mcp-auth:default-prefix')).toBe('x');
  });

  it('sets TTLs with EX (whole seconds) or PX (fractions), and clears them on a set without TTL', async () => {
    const store = open({ prefix: 'ttl:' });
    await store.set('whole', 'v', { ttlSeconds: 60 });
    const whole = await raw.pttl('ttl:whole');
    expect(whole).toBeGreaterThan(50_000);
    expect(whole).toBeLessThanOrEqual(60_000);
    await store.set('fraction', 'v', { ttlSeconds: 90.5 });
    const fraction = await raw.pttl('ttl:fraction');
    expect(fraction).toBeGreaterThan(60_000);
    expect(fraction).toBeLessThanOrEqual(90_500);
    await store.set('whole', 'v2');
    expect(await raw.pttl('ttl:whole')).toBe(-1);
    await store.set('whole', 'v3', { ttlSeconds: Number.POSITIVE_INFINITY });
    expect(await raw.pttl('ttl:whole')).toBe(-1);
  });

  it('an entry expires at its TTL', async () => {
    const store = open();
    await store.set('short', 'v', { ttlSeconds: 0.4 });
    expect(await store.get('short')).toBe('v');
    await waitFor(async () => (await store.get('short')) === null, { message: "the entry 'short' to expire", intervalMs: 50 });
    expect(await store.get('short')).toBeNull();
    expect(await store.take('short')).toBeNull();
  });

  it('close() quits a client it created and leaves a client passed in open', async () => {
    const owned = new RedisStore({ url: redis.url });
    await owned.set('k', 'v');
    await owned.close();
    expect(owned.client.status).toBe('end');

    const unused = new RedisStore({ url: redis.url });
    await unused.close();
    expect(unused.client.status).toBe('end');
    await unused.close();

    const passed = new RedisStore({ client: raw });
    await passed.close();
    expect(await passed.get('k')).toBe('v');
  });

  it('a Redis error rejects without revealing keys or values', async () => {
    await raw.hset('mcp-auth:wrong-type-secret-code', 'f', 'secret-value');
    const store = open();
    const err = await store.get('wrong-type-secret-code').then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/^RedisStore: GET failed \(ReplyError: WRONGTYPE/);
    expect(err!.message).not.toContain('secret');
    expect(err!.cause).toBeUndefined();
    expect(Object.keys(err!)).toEqual([]);
    await expect(store.take('wrong-type-secret-code')).rejects.toThrow(/GETDEL failed/);
  });

  it('fails closed when the server is down: every call rejects, errors reach onError, nothing hangs', async () => {
    const doomed = await startRedis();
    const errors: Error[] = [];
    const store = new RedisStore({
      url: doomed.url,
      redisOptions: { commandTimeout: 1_000, connectTimeout: 1_000, retryStrategy: () => 100 },
      onError: (e) => errors.push(e),
    });
    try {
      await store.set('k', 'v');
      expect(await store.get('k')).toBe('v');
      await doomed.close();
      await expect(store.get('k')).rejects.toThrow(/^RedisStore: GET failed/);
      await expect(store.take('k')).rejects.toThrow(/^RedisStore: GETDEL failed/);
      await expect(store.set('k', 'v2', { ttlSeconds: 5 })).rejects.toThrow(/^RedisStore: SET failed/);
      await expect(store.delete('k')).rejects.toThrow(/^RedisStore: DEL failed/);
      expect(errors.length).toBeGreaterThan(0);
      await store.close();
      const errorsAtClose = errors.length;
      await expect(store.get('k')).rejects.toThrow(/^RedisStore: GET failed/);
      expect(errors.length).toBe(errorsAtClose);
    } finally {
      store.client.disconnect();
    }
  });

  it('increment: one atomic script sets the TTL on the first count only (a fixed window), and repairs a counter without one', async () => {
    const store = open({ prefix: 'inc:' });
    expect(await store.increment('limit:a', { ttlSeconds: 60 })).toBe(1);
    const first = await raw.pttl('inc:limit:a');
    expect(first).toBeGreaterThan(50_000);
    expect(first).toBeLessThanOrEqual(60_000);
    expect(await store.increment('limit:a', { ttlSeconds: 600 })).toBe(2);
    expect(await raw.pttl('inc:limit:a')).toBeLessThanOrEqual(60_000);
    await raw.set('inc:limit:b', '7');
    expect(await store.increment('limit:b', { ttlSeconds: 30 })).toBe(8);
    expect(await raw.pttl('inc:limit:b')).toBeGreaterThan(0);
    await expect(store.increment('limit:c', { ttlSeconds: 0 })).rejects.toThrow(TypeError);
  });

  it('a write refused by Redis for lack of memory (noeviction) is a StorageFullError naming the collection', async () => {
    const full = await startRedis();
    const store = new RedisStore({ url: full.url });
    try {
      await store.set('as.clients:kept', 'v');
      const admin = new Redis(full.url);
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');
      const err = await store.set('as.clients:new-secret-id', 'secret-value', { ttlSeconds: 60 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageFullError);
      expect((err as StorageFullError).collection).toBe('as.clients');
      expect((err as Error).message).not.toContain('secret');
      await expect(store.increment('as.register-limit:x', { ttlSeconds: 60 })).rejects.toBeInstanceOf(StorageFullError);
      expect(await store.get('as.clients:kept')).toBe('v');
      await admin.quit();
    } finally {
      await store.close();
      await full.close();
    }
  });

  it('refuses bad options', () => {
    expect(() => new RedisStore({} as never)).toThrow(TypeError);
    expect(() => new RedisStore({ url: redis.url, client: raw } as never)).toThrow(TypeError);
    expect(() => new RedisStore({ url: 'http://127.0.0.1:6379' })).toThrow(TypeError);
    expect(() => new RedisStore({ client: {} as never })).toThrow(TypeError);
  });
});
