/** Options of {@link KeyValueStore.set}. */
export interface SetOptions {
  /**
   * Time to live in seconds; the entry disappears after it. Omit for no expiry. Zero, a negative
   * number or `NaN` stores nothing (and deletes what was there). Stores may round it up to their
   * own resolution (milliseconds for Redis).
   */
  ttlSeconds?: number | undefined;
}

/** Options of {@link KeyValueStore.increment}. */
export interface IncrementOptions {
  /**
   * Lifetime of the counter in seconds, from its creation (a fixed window): later increments do
   * not extend it. Must be positive.
   */
  ttlSeconds: number;
}

/**
 * The storage every stateful part of the packages runs on (clients, codes, transactions, token
 * families). Values are strings; keys are namespaced by {@link collection}. Implementations:
 * `MemoryStore` (the bounded default), `FileStore` (`@mcpauth/core/node`), the `EncryptingStore`
 * wrapper, and `RedisStore` (`@mcpauth/redis`).
 *
 * `take` is atomic: of many concurrent `take`s of one key, across processes where the store is
 * shared, exactly one gets the value. Codes and refresh tokens are consumed with it. `set`
 * replaces the value and its TTL. Every method rejects when the backend fails (fail closed);
 * none throws synchronously.
 *
 * A store never drops live entries to make room. Bounded stores bound each collection (the key
 * up to its first `:`) on its own: when one is full, a `set` of a *new* key rejects with a
 * `StorageFullError` (overwriting an existing key always works). Everything an anonymous caller
 * can create is written with a TTL, so a full collection empties itself.
 *
 * @example
 * ```ts
 * await store.set('codes:abc', JSON.stringify(code), { ttlSeconds: 300 });
 * const once = await store.take('codes:abc'); // the value, then null for every later take
 * ```
 */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: SetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** Get and delete, atomically. */
  take(key: string): Promise<string | null>;
  /**
   * Add one to the counter at `key` and return its new value, atomically (across processes where
   * the store is shared). A missing or expired counter starts at 1 and lives `ttlSeconds` from
   * then; the TTL is not extended by later increments (a fixed window). Rate limits count with it.
   * Use a key for counters only; reading a counter back with `get` is not part of the contract.
   */
  increment(key: string, options: IncrementOptions): Promise<number>;
}

/** A typed view on one namespace of a {@link KeyValueStore}, storing values as JSON. */
export interface Collection<T> {
  get(key: string): Promise<T | null>;
  set(key: string, value: T, options?: SetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  take(key: string): Promise<T | null>;
}

function parse<T>(raw: string | null): T | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

/**
 * A namespaced, JSON-typed collection on a store: keys become `${name}:${key}`. A value that does
 * not parse is a miss.
 *
 * @example
 * ```ts
 * const clients = collection<OAuthClientInformationFull>(store, 'clients');
 * await clients.set(client.client_id, client);
 * ```
 */
export function collection<T>(store: KeyValueStore, name: string): Collection<T> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new TypeError(`collection: invalid name "${name}"`);
  const k = (key: string) => `${name}:${key}`;
  return {
    get: async (key) => parse<T>(await store.get(k(key))),
    set: (key, value, options) => store.set(k(key), JSON.stringify(value), options),
    delete: (key) => store.delete(k(key)),
    take: async (key) => parse<T>(await store.take(k(key))),
  };
}
