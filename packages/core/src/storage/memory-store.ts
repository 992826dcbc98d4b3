import { epochSeconds, type Clock } from '../lib/clock.js';
import { ExpiringMap, counterExpiry, expiryOf, maxPerCollectionOption } from '../lib/expiring-map.js';
import type { IncrementOptions, KeyValueStore, SetOptions } from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most entries one collection (the key up to its first `:`, for example `as.refresh`) may hold.
   * When a collection is full its expired entries are swept, then a new key is refused with a
   * `StorageFullError`: a live entry is never evicted. Default 250 000.
   */
  maxEntriesPerCollection?: number | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

/**
 * The default {@link KeyValueStore}: in process memory, with per-key TTL, each collection bounded
 * on its own. `take` and `increment` are atomic within the process. Lost on restart and not
 * shared between instances: use `FileStore` (`@mcpauth/core/node`) or `@mcpauth/redis` for that.
 *
 * A live entry is never evicted to make room: when a collection reaches
 * `maxEntriesPerCollection`, its expired entries are swept and, if it is still full, the write of
 * a new key rejects with a `StorageFullError` (which the HTTP endpoints answer with a `503` and
 * `Retry-After`); overwriting a key always works. One grant of the `StoreOAuthProvider` takes
 * about 1.4 KB of heap (its access token, refresh token, family record and, for five minutes,
 * used-code marker: `bench/grant-memory.bench.ts`), so 250 000 live grants take some 350 MB.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxEntriesPerCollection: 50_000 });
 * await store.set('codes:abc', 'value', { ttlSeconds: 300 });
 * ```
 */
export class MemoryStore implements KeyValueStore {
  readonly #entries: ExpiringMap;
  /** Milliseconds since the epoch (the entries' unit), from the seconds clock. */
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    const max = maxPerCollectionOption(options, 'MemoryStore');
    const clock = options.now ?? epochSeconds;
    this.#now = () => clock() * 1000;
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

  async increment(key: string, options: IncrementOptions): Promise<number> {
    return this.#entries.increment(key, counterExpiry(options?.ttlSeconds, this.#now()));
  }

  /** Number of entries held (expired ones included until touched or swept). */
  get size(): number {
    return this.#entries.size;
  }
}
