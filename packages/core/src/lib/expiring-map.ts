/** One live entry: key, value, and expiry in milliseconds since the epoch (`Infinity`: never). */
export type ExpiringEntry = [key: string, value: string, expiresAt: number];

/**
 * A bounded string map whose entries each expire at an absolute time; the storage behind the
 * memory and file stores. Reads and writes are synchronous, so a `take` is atomic within the
 * process. Beyond `maxEntries` the oldest-written entries are evicted, after expired ones are
 * swept; the sweep runs at most once per `maxEntries / 16` overflows, so a full map costs O(1)
 * amortised per write, not a scan each time.
 */
export class ExpiringMap {
  readonly #map = new Map<string, { value: string; expiresAt: number }>();
  readonly #max: number;
  readonly #now: () => number;
  readonly #sweepEvery: number;
  #overflowsSinceSweep: number;

  constructor(maxEntries: number, now: () => number) {
    this.#max = maxEntries;
    this.#now = now;
    this.#sweepEvery = Math.max(1, Math.floor(maxEntries / 16));
    this.#overflowsSinceSweep = this.#sweepEvery;
  }

  #live(key: string): { value: string; expiresAt: number } | undefined {
    const entry = this.#map.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#map.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string): string | undefined {
    return this.#live(key)?.value;
  }

  /** Store `value` until `expiresAt` (ms since the epoch); an expiry not in the future deletes. */
  set(key: string, value: string, expiresAt: number): void {
    this.#map.delete(key);
    if (!(expiresAt > this.#now())) return;
    this.#map.set(key, { value, expiresAt });
    if (this.#map.size > this.#max) this.#evict();
  }

  delete(key: string): boolean {
    return this.#map.delete(key);
  }

  /** Get and delete in one synchronous step. */
  take(key: string): string | undefined {
    const entry = this.#live(key);
    if (!entry) return undefined;
    this.#map.delete(key);
    return entry.value;
  }

  /** The live entries, oldest first. */
  *entries(): IterableIterator<ExpiringEntry> {
    const now = this.#now();
    for (const [key, e] of this.#map) if (e.expiresAt > now) yield [key, e.value, e.expiresAt];
  }

  /** Number of entries held (expired ones included until touched or swept). */
  get size(): number {
    return this.#map.size;
  }

  #evict(): void {
    if (++this.#overflowsSinceSweep >= this.#sweepEvery) {
      this.#overflowsSinceSweep = 0;
      const now = this.#now();
      for (const [k, e] of this.#map) if (e.expiresAt <= now) this.#map.delete(k);
    }
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }
}

/** Absolute expiry (ms since the epoch) of a store `set` with `ttlSeconds`; `Infinity` when none. */
export function expiryOf(ttlSeconds: number | undefined, now: number): number {
  if (ttlSeconds === undefined) return Number.POSITIVE_INFINITY;
  return ttlSeconds > 0 ? now + ttlSeconds * 1000 : Number.NEGATIVE_INFINITY;
}
