import { boundedStoreContract, storeContract } from '@mcpauth/testing';
import { describe, expect, it } from 'vitest';
import { MemoryStore, StorageFullError } from '../../src/index.js';
import { collection } from '../../src/kit.js';

describe('MemoryStore', () => {
  const store = new MemoryStore();
  for (const c of storeContract) it(c.name, () => c.run(store));

  it('expires entries at their TTL', async () => {
    let now = 1_000;
    const clock = new MemoryStore({ now: () => now });
    await clock.set('a', '1', { ttlSeconds: 10 });
    await clock.set('b', '2');
    now += 9.5;
    expect(await clock.get('a')).toBe('1');
    now += 0.5;
    expect(await clock.get('a')).toBeNull();
    expect(await clock.take('a')).toBeNull();
    now += 10 ** 9;
    expect(await clock.get('b')).toBe('2');
  });

  it('set without a TTL clears an earlier TTL', async () => {
    let now = 0;
    const clock = new MemoryStore({ now: () => now });
    await clock.set('k', 'short', { ttlSeconds: 1 });
    await clock.set('k', 'forever');
    now += 5;
    expect(await clock.get('k')).toBe('forever');
  });

  for (const c of boundedStoreContract) it(`bounded: ${c.name}`, () => c.run((max) => new MemoryStore({ maxEntriesPerCollection: max })));

  it('a full collection sweeps its expired entries before refusing, and says when to retry', async () => {
    let now = 0;
    const small = new MemoryStore({ maxEntriesPerCollection: 3, now: () => now });
    await small.set('c:live', '1');
    await small.set('c:expiring', '2', { ttlSeconds: 1 });
    await small.set('c:later', '3', { ttlSeconds: 100 });
    now += 2;
    await small.set('c:d', '4');
    expect(await small.get('c:live')).toBe('1');
    expect(await small.get('c:d')).toBe('4');
    const refused = await small.set('c:e', '5').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StorageFullError);
    expect((refused as StorageFullError).collection).toBe('c');
    expect((refused as StorageFullError).retryAfter).toBe(98);
    expect(await small.get('c:later')).toBe('3');
    now += 98;
    await small.set('c:e', '5');
    expect(await small.get('c:e')).toBe('5');
    expect(small.size).toBe(3);
  });

  it('under a flood of new keys in one collection, keeps the first entries and every other collection', async () => {
    const small = new MemoryStore({ maxEntriesPerCollection: 100 });
    await small.set('grants:mine', 'kept');
    let refused = 0;
    for (let i = 0; i < 1_000; i++) await small.set(`flood:k${i}`, String(i), { ttlSeconds: 3600 }).catch(() => refused++);
    expect(refused).toBe(900);
    expect(await small.get('flood:k0')).toBe('0');
    expect(await small.get('flood:k99')).toBe('99');
    expect(await small.get('flood:k100')).toBeNull();
    expect(await small.get('grants:mine')).toBe('kept');
  });

  it('sweeps expired entries of a growing collection, so memory follows the live entries', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    for (let i = 0; i < 1_000; i++) await store.set(`codes:${i}`, 'x', { ttlSeconds: 1 });
    now += 2;
    for (let i = 0; i < 1_000; i++) await store.set(`codes:n${i}`, 'x', { ttlSeconds: 1 });
    expect(store.size).toBeLessThan(2_000);
  });

  it('increment counts within a fixed window that later increments do not extend', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    expect(await store.increment('rl:a', { ttlSeconds: 10 })).toBe(1);
    now += 9;
    expect(await store.increment('rl:a', { ttlSeconds: 10 })).toBe(2);
    now += 1;
    expect(await store.increment('rl:a', { ttlSeconds: 10 })).toBe(1);
  });

  it('refuses a bad bound, and the old maxEntries option with a pointer to the new one', () => {
    expect(() => new MemoryStore({ maxEntriesPerCollection: 0 })).toThrow(TypeError);
    expect(() => new MemoryStore({ maxEntriesPerCollection: 1.5 })).toThrow(TypeError);
    expect(() => new MemoryStore({ maxEntries: 10 } as never)).toThrow(/maxEntriesPerCollection/);
  });
});

describe('collection', () => {
  it('namespaces keys and stores JSON; a value that does not parse is a miss', async () => {
    const store = new MemoryStore();
    const codes = collection<{ clientId: string }>(store, 'codes');
    await codes.set('abc', { clientId: 'c1' }, { ttlSeconds: 60 });
    expect(await store.get('codes:abc')).toBe('{"clientId":"c1"}');
    expect(await codes.get('abc')).toEqual({ clientId: 'c1' });
    expect(await codes.take('abc')).toEqual({ clientId: 'c1' });
    expect(await codes.take('abc')).toBeNull();
    await store.set('codes:bad', '{not json');
    expect(await codes.get('bad')).toBeNull();
    await codes.set('x', { clientId: 'c2' });
    await codes.delete('x');
    expect(await store.get('codes:x')).toBeNull();
  });

  it('refuses a name that could collide with another namespace', () => {
    const store = new MemoryStore();
    expect(() => collection(store, 'a:b')).toThrow(TypeError);
    expect(() => collection(store, '')).toThrow(TypeError);
  });
});
