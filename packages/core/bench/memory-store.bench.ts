import { bench, describe } from 'vitest';
import { MemoryStore } from '../src/index.js';

/**
 * Writes into a full store (10 000 live entries): the current eviction (expired entries swept at
 * most once per maxEntries / 16 overflows) against the previous one, which swept the whole map on
 * every overflowing write. Read the result as a ratio to the baseline.
 */
class FullScanStore {
  readonly #map = new Map<string, { value: string; expiresAt: number }>();
  constructor(readonly max: number) {}
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.#map.delete(key);
    this.#map.set(key, { value, expiresAt: ttlSeconds === undefined ? Infinity : Date.now() + ttlSeconds * 1000 });
    if (this.#map.size > this.max) {
      const now = Date.now();
      for (const [k, e] of this.#map) if (e.expiresAt <= now) this.#map.delete(k);
      while (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as string);
    }
  }
}

const MAX = 10_000;
const current = new MemoryStore({ maxEntries: MAX });
const baseline = new FullScanStore(MAX);
for (let i = 0; i < MAX; i++) {
  await current.set(`seed${i}`, 'v', { ttlSeconds: 3600 });
  await baseline.set(`seed${i}`, 'v', 3600);
}
let n = 0;

describe('MemoryStore.set on a full store (10 000 entries)', () => {
  bench('baseline: full sweep on every overflow', async () => {
    await baseline.set(`k${n++}`, 'v', 3600);
  });
  bench('MemoryStore: amortised sweep', async () => {
    await current.set(`k${n++}`, 'v', { ttlSeconds: 3600 });
  });
});
