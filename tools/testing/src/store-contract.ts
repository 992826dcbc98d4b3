import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

/** The shape of `@mcpauth/core`'s `KeyValueStore` (kept structural: this package does not depend on core). */
export interface StoreUnderTest {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: { ttlSeconds?: number | undefined }): Promise<void>;
  delete(key: string): Promise<void>;
  take(key: string): Promise<string | null>;
  increment(key: string, options: { ttlSeconds: number }): Promise<number>;
}

/** One behaviour every key-value store must have. */
export interface StoreContractCase {
  name: string;
  run(store: StoreUnderTest): Promise<void>;
}

const key = (label: string) => `contract:${label}-${randomUUID()}`;

/**
 * Fire `count` concurrent `take`s of one key, spread round-robin over `stores` (several instances
 * on one backend), and return every result.
 */
export async function takeConcurrently(stores: readonly StoreUnderTest[], k: string, count = 50): Promise<(string | null)[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => stores[i % stores.length]!.take(k)));
}

/**
 * The behaviour shared by every `KeyValueStore`: run each case against a store with
 * `for (const c of storeContract) it(c.name, () => c.run(store))`. Keys are unique per run, so
 * one store serves all cases. TTL expiry needs a clock and is tested per store.
 */
export const storeContract: readonly StoreContractCase[] = [
  {
    name: 'get of a missing key is null; set then get returns the value',
    async run(store) {
      const k = key('basic');
      assert.equal(await store.get(k), null);
      await store.set(k, 'v1');
      assert.equal(await store.get(k), 'v1');
      assert.equal(await store.get(k), 'v1', 'get does not consume');
    },
  },
  {
    name: 'set replaces the value; delete removes it; deleting a missing key is fine',
    async run(store) {
      const k = key('replace');
      await store.set(k, 'one', { ttlSeconds: 60 });
      await store.set(k, 'two');
      assert.equal(await store.get(k), 'two');
      await store.delete(k);
      assert.equal(await store.get(k), null);
      await store.delete(k);
      await store.delete(key('never-set'));
    },
  },
  {
    name: 'take returns the value once, then null',
    async run(store) {
      const k = key('take');
      await store.set(k, 'code-data', { ttlSeconds: 300 });
      assert.equal(await store.take(k), 'code-data');
      assert.equal(await store.take(k), null);
      assert.equal(await store.get(k), null);
      assert.equal(await store.take(key('missing')), null);
    },
  },
  {
    name: '50 concurrent takes of one key: exactly one gets the value',
    async run(store) {
      const k = key('race');
      await store.set(k, 'the-only-value', { ttlSeconds: 60 });
      const results = await takeConcurrently([store], k, 50);
      assert.deepEqual(
        results.filter((r) => r !== null),
        ['the-only-value'],
      );
      assert.equal(results.filter((r) => r === null).length, 49);
    },
  },
  {
    name: 'a non-positive TTL stores nothing and removes what was there',
    async run(store) {
      const k = key('ttl0');
      await store.set(k, 'kept');
      await store.set(k, 'gone', { ttlSeconds: 0 });
      assert.equal(await store.get(k), null);
      await store.set(k, 'gone', { ttlSeconds: -5 });
      assert.equal(await store.get(k), null);
    },
  },
  {
    name: 'keys and values keep every character; keys are independent',
    async run(store) {
      const a = key('chars:a b/ü?=&');
      const b = `${a}x`;
      const value = `{"json":"ü ✓ \\" \\n","nul":"\u0000","long":"${'x'.repeat(20_000)}"}`;
      await store.set(a, value);
      await store.set(b, '');
      assert.equal(await store.get(a), value);
      assert.equal(await store.get(b), '', 'an empty string is a value, not a miss');
      await store.delete(b);
      assert.equal(await store.get(a), value);
    },
  },
  {
    name: 'increment counts from 1, per key',
    async run(store) {
      const a = key('counter-a');
      const b = key('counter-b');
      assert.equal(await store.increment(a, { ttlSeconds: 60 }), 1);
      assert.equal(await store.increment(a, { ttlSeconds: 60 }), 2);
      assert.equal(await store.increment(b, { ttlSeconds: 60 }), 1);
      assert.equal(await store.increment(a, { ttlSeconds: 60 }), 3);
    },
  },
  {
    name: '50 concurrent increments of one key: each gets a distinct count, 1 to 50',
    async run(store) {
      const k = key('counter-race');
      const counts = await Promise.all(Array.from({ length: 50 }, () => store.increment(k, { ttlSeconds: 60 })));
      assert.deepEqual(
        [...counts].sort((x, y) => x - y),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    },
  },
  {
    name: 'increment refuses a TTL that is not positive',
    async run(store) {
      for (const ttlSeconds of [0, -1, Number.NaN]) {
        await assert.rejects(store.increment(key('counter-bad'), { ttlSeconds }), TypeError);
      }
    },
  },
];

/** A store whose collections hold at most `maxEntriesPerCollection` entries each. */
export type BoundedStoreFactory = (maxEntriesPerCollection: number) => StoreUnderTest | Promise<StoreUnderTest>;

/**
 * The behaviour of a bounded store (memory, file, and wrappers over them): each collection (the
 * key up to its first `:`) is bounded on its own, and a full one refuses a new key with an error
 * whose `code` is `ERR_STORE_FULL` and keeps every live entry. Run each case with a factory:
 * `for (const c of boundedStoreContract) it(c.name, () => c.run(factory))`.
 */
export const boundedStoreContract: readonly { name: string; run(factory: BoundedStoreFactory): Promise<void> }[] = [
  {
    name: 'a full collection refuses a new key and keeps every entry it holds; overwrites and other collections still work',
    async run(factory) {
      const store = await factory(3);
      for (const i of [1, 2, 3]) await store.set(`grants:${i}`, `g${i}`, { ttlSeconds: 3600 });
      await assert.rejects(store.set('grants:4', 'g4', { ttlSeconds: 3600 }), (err: { code?: string; retryAfter?: number }) => {
        assert.equal(err.code, 'ERR_STORE_FULL');
        assert.ok(typeof err.retryAfter === 'number' && err.retryAfter >= 1);
        return true;
      });
      await assert.rejects(
        store.increment('grants:counter', { ttlSeconds: 60 }),
        (err: { code?: string }) => err.code === 'ERR_STORE_FULL',
      );
      for (const i of [1, 2, 3]) assert.equal(await store.get(`grants:${i}`), `g${i}`, 'no live entry was dropped');
      assert.equal(await store.get('grants:4'), null);
      await store.set('grants:2', 'g2-new', { ttlSeconds: 3600 });
      assert.equal(await store.get('grants:2'), 'g2-new', 'overwriting a key always works');
      for (const i of [1, 2, 3]) await store.set(`clients:${i}`, `c${i}`, { ttlSeconds: 60 });
      assert.equal(await store.get('clients:3'), 'c3', 'other collections are bounded on their own');
      await assert.rejects(store.set('clients:4', 'c4', { ttlSeconds: 60 }));
    },
  },
  {
    name: 'a full collection takes a new key again once one of its entries is deleted or taken',
    async run(factory) {
      const store = await factory(2);
      await store.set('codes:a', 'a', { ttlSeconds: 300 });
      await store.set('codes:b', 'b', { ttlSeconds: 300 });
      await assert.rejects(store.set('codes:c', 'c', { ttlSeconds: 300 }));
      assert.equal(await store.take('codes:a'), 'a');
      await store.set('codes:c', 'c', { ttlSeconds: 300 });
      await store.delete('codes:b');
      await store.set('codes:d', 'd', { ttlSeconds: 300 });
      assert.equal(await store.get('codes:c'), 'c');
      assert.equal(await store.get('codes:d'), 'd');
    },
  },
];
