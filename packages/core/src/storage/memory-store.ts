import { ExpiringMap, expiryOf } from '../lib/expiring-map.js';
import type { KeyValueStore, SetOptions } from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Maximum number of entries; beyond it expired entries are swept, then the oldest-written evicted. Default 10 000. */
  maxEntries?: number | undefined;
  /** Clock in milliseconds (tests inject one). */
  now?: (() => number) | undefined;
}

/**
 * The default {@link KeyValueStore}: in process memory, bounded, with per-key TTL. `take` is
 * atomic within the process. Lost on restart and not shared between instances: use `FileStore`
 * (`@auth/core/node`) or `@auth/redis` for that.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxEntries: 50_000 });
 * await store.set('codes:abc', 'value', { ttlSeconds: 300 });
 * ```
 */
export class MemoryStore implements KeyValueStore {
  readonly #entries: ExpiringMap;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxEntries ?? 10_000;
    if (!Number.isInteger(max) || max <= 0) throw new TypeError('MemoryStore: maxEntries must be a positive integer');
    this.#now = options.now ?? Date.now;
    this.#entries = new ExpiringMap(max, this.#now);
  }

  async get(key: string): Promise<string | null> {
    return this.#entries.get(key) ?? null;
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<void> {
    this.#entries.set(key, value, expiryOf(options.ttlSeconds, this.#now()));
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async take(key: string): Promise<string | null> {
    return this.#entries.take(key) ?? null;
  }

  /** Number of entries held (expired ones included until touched or swept). */
  get size(): number {
    return this.#entries.size;
  }
}
