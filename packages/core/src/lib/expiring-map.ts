import { StorageFullError } from '../errors/errors.js';

/** One live entry: key, value, and expiry in milliseconds since the epoch (`Infinity`: never). */
export type ExpiringEntry = [key: string, value: string, expiresAt: number];

/** Default bound of each collection of the memory and file stores. */
export const DEFAULT_MAX_ENTRIES_PER_COLLECTION = 250_000;

/** `Retry-After` of a full collection whose entries never expire (seconds), and the longest one given. */
const RETRY_WITHOUT_EXPIRY = 60;
const MAX_RETRY_AFTER = 3600;

interface Entry {
  value: string;
  expiresAt: number;
}

/** One collection's entries. */
interface Bucket {
  entries: Map<string, Entry>;
  /** No entry expires before this (ms); exact after a sweep, possibly early after deletions. */
  nextExpiry: number;
  /** New keys added since the last sweep. */
  added: number;
}

/** The collection of a key: the part before its first `:` (`''` when there is none). */
export function collectionOf(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? '' : key.slice(0, colon);
}

/**
 * A string map whose entries each expire at an absolute time, bounded per collection (the key up
 * to its first `:`); the storage behind the memory and file stores. Reads and writes are
 * synchronous, so a `take` is atomic within the process.
 *
 * A live entry is never evicted. When a collection holds `maxPerCollection` entries, its expired
 * entries are swept, and if it is still full the write of a new key throws a
 * {@link StorageFullError}; overwriting an existing key always works. A collection is swept only
 * when one of its entries can have expired (its earliest expiry is tracked) and, outside the full
 * case, after it has grown by half its size since the last sweep, so the cost stays O(1)
 * amortised per write.
 */
export class ExpiringMap {
  readonly #buckets = new Map<string, Bucket>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(maxPerCollection: number, now: () => number) {
    this.#max = maxPerCollection;
    this.#now = now;
  }

  #bucket(key: string): Bucket {
    const name = collectionOf(key);
    let bucket = this.#buckets.get(name);
    if (!bucket) {
      bucket = { entries: new Map(), nextExpiry: Number.POSITIVE_INFINITY, added: 0 };
      this.#buckets.set(name, bucket);
    }
    return bucket;
  }

  #live(key: string): Entry | undefined {
    const entries = this.#buckets.get(collectionOf(key))?.entries;
    const entry = entries?.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      entries!.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string): string | undefined {
    return this.#live(key)?.value;
  }

  /**
   * Store `value` until `expiresAt` (ms since the epoch); an expiry not in the future deletes.
   * Throws a {@link StorageFullError} when `key` is new and its collection is full.
   */
  set(key: string, value: string, expiresAt: number): void {
    const bucket = this.#bucket(key);
    if (!(expiresAt > this.#now())) {
      bucket.entries.delete(key);
      return;
    }
    if (!bucket.entries.has(key)) this.#admit(bucket, key);
    this.#put(bucket, key, value, expiresAt);
  }

  /** Store an entry whatever the bound (reloading what was stored before); expired ones are skipped. */
  restore(key: string, value: string, expiresAt: number): void {
    if (expiresAt > this.#now()) this.#put(this.#bucket(key), key, value, expiresAt);
  }

  /** Add one to the counter at `key` (created at 1, expiring at `expiresAt`); its new value. */
  increment(key: string, expiresAt: number): number {
    const entry = this.#live(key);
    const bucket = this.#bucket(key);
    if (entry) {
      const count = (Number.parseInt(entry.value, 10) || 0) + 1;
      entry.value = String(count);
      return count;
    }
    this.#admit(bucket, key);
    this.#put(bucket, key, '1', expiresAt);
    return 1;
  }

  delete(key: string): boolean {
    return this.#buckets.get(collectionOf(key))?.entries.delete(key) ?? false;
  }

  /** Get and delete in one synchronous step. */
  take(key: string): string | undefined {
    const entry = this.#live(key);
    if (!entry) return undefined;
    this.#buckets.get(collectionOf(key))!.entries.delete(key);
    return entry.value;
  }

  /** The live entries. */
  *entries(): IterableIterator<ExpiringEntry> {
    const now = this.#now();
    for (const bucket of this.#buckets.values()) {
      for (const [key, e] of bucket.entries) if (e.expiresAt > now) yield [key, e.value, e.expiresAt];
    }
  }

  /** Number of entries held (expired ones included until touched or swept). */
  get size(): number {
    let size = 0;
    for (const bucket of this.#buckets.values()) size += bucket.entries.size;
    return size;
  }

  #put(bucket: Bucket, key: string, value: string, expiresAt: number): void {
    if (!bucket.entries.has(key)) bucket.added++;
    bucket.entries.set(key, { value, expiresAt });
    if (expiresAt < bucket.nextExpiry) bucket.nextExpiry = expiresAt;
  }

  /** Make room for a new key, or throw: sweeps expired entries first, never drops a live one. */
  #admit(bucket: Bucket, key: string): void {
    const now = this.#now();
    const full = bucket.entries.size >= this.#max;
    if (bucket.nextExpiry <= now && (full || bucket.added * 2 >= bucket.entries.size)) this.#sweep(bucket, now);
    if (bucket.entries.size < this.#max) return;
    const wait = Number.isFinite(bucket.nextExpiry) ? (bucket.nextExpiry - now) / 1000 : RETRY_WITHOUT_EXPIRY;
    const name = collectionOf(key);
    throw new StorageFullError(name, Math.min(wait, MAX_RETRY_AFTER), `The store collection "${name}" is full (${this.#max} entries)`);
  }

  #sweep(bucket: Bucket, now: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const [k, e] of bucket.entries) {
      if (e.expiresAt <= now) bucket.entries.delete(k);
      else if (e.expiresAt < next) next = e.expiresAt;
    }
    bucket.nextExpiry = next;
    bucket.added = 0;
  }
}

/** Validate the bound option of a memory or file store (`TypeError` when bad); the default when absent. */
export function maxPerCollectionOption(
  options: { maxEntriesPerCollection?: number | undefined; maxEntries?: unknown },
  owner: string,
): number {
  if (options.maxEntries !== undefined) {
    throw new TypeError(
      `${owner}: maxEntries was replaced by maxEntriesPerCollection (each collection is bounded on its own; nothing live is evicted)`,
    );
  }
  const max = options.maxEntriesPerCollection ?? DEFAULT_MAX_ENTRIES_PER_COLLECTION;
  if (!Number.isInteger(max) || max <= 0) throw new TypeError(`${owner}: maxEntriesPerCollection must be a positive integer`);
  return max;
}

/** Validate an `increment` TTL and return the counter's expiry (ms since the epoch). */
export function counterExpiry(ttlSeconds: number, now: number): number {
  if (typeof ttlSeconds !== 'number' || !(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
    throw new TypeError('increment: ttlSeconds must be a positive finite number');
  }
  return now + ttlSeconds * 1000;
}

/** Absolute expiry (ms since the epoch) of a store `set` with `ttlSeconds`; `Infinity` when none. */
export function expiryOf(ttlSeconds: number | undefined, now: number): number {
  if (ttlSeconds === undefined) return Number.POSITIVE_INFINITY;
  return ttlSeconds > 0 ? now + ttlSeconds * 1000 : Number.NEGATIVE_INFINITY;
}
