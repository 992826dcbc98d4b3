import { epochSeconds, type Clock } from './clock.js';

/**
 * Options of {@link TtlCache}.
 *
 * @example
 * ```ts
 * const options: TtlCacheOptions = { maxEntries: 10_000, now: () => Date.now() / 1000 };
 * ```
 */
export interface TtlCacheOptions {
  /** Maximum number of entries; the least recently used is evicted beyond it. */
  maxEntries: number;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

/**
 * A bounded LRU map whose entries each expire at their own time. Memory is bounded by
 * `maxEntries` whatever is put in.
 *
 * @example
 * ```ts
 * const cache = new TtlCache<string, AccessToken>({ maxEntries: 10_000 });
 * cache.set(key, token, { ttlSeconds: 60 });
 * cache.get(key); // token, for a minute
 * ```
 */
export class TtlCache<K, V> {
  readonly #map = new Map<K, { value: V; expiresAt: number }>();
  readonly #max: number;
  readonly #now: Clock;

  constructor(options: TtlCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) {
      throw new TypeError('TtlCache: maxEntries must be a non-negative integer');
    }
    this.#max = options.maxEntries;
    this.#now = options.now ?? epochSeconds;
  }

  /** The live value for `key`, refreshing its recency; `undefined` when absent or expired. */
  get(key: K): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#map.delete(key);
      return undefined;
    }
    this.#map.delete(key);
    this.#map.set(key, entry);
    return entry.value;
  }

  /** Store `value` for `ttlSeconds` seconds. A non-positive TTL stores nothing. */
  set(key: K, value: V, options: { ttlSeconds: number }): void {
    const ttl = options.ttlSeconds;
    if (this.#max === 0 || !(ttl > 0)) return;
    this.#map.delete(key);
    this.#map.set(key, { value, expiresAt: this.#now() + ttl });
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  /** Number of entries held (expired ones included until touched). */
  get size(): number {
    return this.#map.size;
  }
}
