import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

/** The shape of `@auth/core`'s `KeyValueStore` (kept structural: this package does not depend on core). */
export interface StoreUnderTest {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: { ttlSeconds?: number | undefined }): Promise<void>;
  delete(key: string): Promise<void>;
  take(key: string): Promise<string | null>;
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
      assert.deepEqual(results.filter((r) => r !== null), ['the-only-value']);
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
];
