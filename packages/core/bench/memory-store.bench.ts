import { bench, describe } from 'vitest';
import { MemoryStore } from '../src/index.js';

/**
 * Writes of new keys with 10 000 live entries in the collection: into a full collection (the
 * write is refused after an O(1) check: expired entries are swept only once one can have
 * expired, never on every refused write) against a collection with room. A refusal costs about
 * what creating its error costs (some 10 µs here, about 7 times a stored write), whatever the
 * size of the collection: a scan of 10 000 entries per refused write would be some 100 times that.
 */
const MAX = 10_000;
const full = new MemoryStore({ maxEntriesPerCollection: MAX });
const roomy = new MemoryStore({ maxEntriesPerCollection: 10_000_000 });
for (let i = 0; i < MAX; i++) {
  await full.set(`grants:seed${i}`, 'v', { ttlSeconds: 3600 });
  await roomy.set(`grants:seed${i}`, 'v', { ttlSeconds: 3600 });
}
let n = 0;

describe('MemoryStore.set of a new key, 10 000 live entries in the collection', () => {
  bench('collection with room: stored', async () => {
    await roomy.set(`grants:k${n++}`, 'v', { ttlSeconds: 3600 });
  });
  bench('full collection: refused (StorageFullError)', async () => {
    await full.set(`grants:k${n++}`, 'v', { ttlSeconds: 3600 }).catch(() => undefined);
  });
});
