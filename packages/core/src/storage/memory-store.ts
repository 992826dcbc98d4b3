import type { KeyValueStore, SetOptions } from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Maximum number of entries; the oldest are evicted beyond it. Default 10 000. */
  maxEntries?: number | undefined;
  /** Clock in milliseconds (tests inject one). */
  now?: (() => number) | undefined;
}

/**
 * The default {@link KeyValueStore}: in process memory, bounded, with per-key TTL. Lost on
 * restart and not shared between instances: use the file store or `@auth/redis` for that.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxEntries: 50_000 });
 * ```
 */
export class MemoryStore implements KeyValueStore {
  readonly #map = new Map<string, { value: string; expiresAt: number }>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxEntries ?? 10_000;
    if (!Number.isInteger(max) || max <= 0) throw new TypeError('MemoryStore: maxEntries must be a positive integer');
    this.#max = max;
    this.#now = options.now ?? Date.now;
  }

  #live(key: string): { value: string; expiresAt: number } | undefined {
    const entry = this.#map.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#map.delete(key);
      return undefined;
    }
    return entry;
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<void> {
    const ttl = options.ttlSeconds;
    if (ttl !== undefined && !(ttl > 0)) {
      this.#map.delete(key);
      return;
    }
    this.#map.delete(key);
    this.#map.set(key, { value, expiresAt: ttl === undefined ? Number.POSITIVE_INFINITY : this.#now() + ttl * 1000 });
    if (this.#map.size > this.#max) this.#evict();
  }

  async delete(key: string): Promise<void> {
    this.#map.delete(key);
  }

  async take(key: string): Promise<string | null> {
    // Synchronous between read and delete: atomic within this process.
    const entry = this.#live(key);
    if (!entry) return null;
    this.#map.delete(key);
    return entry.value;
  }

  /** Number of entries held (expired ones included until touched). */
  get size(): number {
    return this.#map.size;
  }

  #evict(): void {
    const now = this.#now();
    for (const [k, e] of this.#map) if (e.expiresAt <= now) this.#map.delete(k);
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }
}
