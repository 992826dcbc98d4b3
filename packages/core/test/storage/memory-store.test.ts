import { storeContract } from '@auth/testing';
import { describe, expect, it } from 'vitest';
import { MemoryStore, collection } from '../../src/index.js';

describe('MemoryStore', () => {
  const store = new MemoryStore();
  for (const c of storeContract) it(c.name, () => c.run(store));

  it('expires entries at their TTL', async () => {
    let now = 1_000_000;
    const clock = new MemoryStore({ now: () => now });
    await clock.set('a', '1', { ttlSeconds: 10 });
    await clock.set('b', '2');
    now += 9_999;
    expect(await clock.get('a')).toBe('1');
    now += 1;
    expect(await clock.get('a')).toBeNull();
    expect(await clock.take('a')).toBeNull();
    now += 10 ** 12;
    expect(await clock.get('b')).toBe('2');
  });

  it('set without a TTL clears an earlier TTL', async () => {
    let now = 0;
    const clock = new MemoryStore({ now: () => now });
    await clock.set('k', 'short', { ttlSeconds: 1 });
    await clock.set('k', 'forever');
    now += 5_000;
    expect(await clock.get('k')).toBe('forever');
  });

  it('stays within maxEntries, evicting expired entries before live ones', async () => {
    let now = 0;
    const small = new MemoryStore({ maxEntries: 3, now: () => now });
    await small.set('old-live', '1');
    await small.set('expiring', '2', { ttlSeconds: 1 });
    await small.set('c', '3');
    now += 2_000;
    await small.set('d', '4');
    expect(small.size).toBe(3);
    expect(await small.get('old-live')).toBe('1');
    expect(await small.get('d')).toBe('4');
    await small.set('e', '5');
    expect(small.size).toBe(3);
    expect(await small.get('old-live')).toBeNull();
    expect(await small.get('e')).toBe('5');
  });

  it('is bounded under many writes', async () => {
    const small = new MemoryStore({ maxEntries: 100 });
    for (let i = 0; i < 1_000; i++) await small.set(`k${i}`, String(i));
    expect(small.size).toBe(100);
    expect(await small.get('k999')).toBe('999');
    expect(await small.get('k899')).toBeNull();
  });

  it('refuses a bad maxEntries', () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => new MemoryStore({ maxEntries: 1.5 })).toThrow(TypeError);
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
