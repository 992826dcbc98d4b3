/**
 * Collapses concurrent calls with the same key into one: while a call for `key` is in flight,
 * later callers get the same promise. Nothing is kept once it settles.
 *
 * @example
 * ```ts
 * const flights = new SingleFlight<string, AccessToken | null>();
 * const result = await flights.run(tokenHash, () => introspect(token));
 * ```
 */
export class SingleFlight<K, V> {
  readonly #inFlight = new Map<K, Promise<V>>();

  run(key: K, fn: () => Promise<V>): Promise<V> {
    const existing = this.#inFlight.get(key);
    if (existing) return existing;
    const promise = (async () => {
      try {
        return await fn();
      } finally {
        this.#inFlight.delete(key);
      }
    })();
    this.#inFlight.set(key, promise);
    return promise;
  }

  /** Calls currently in flight. */
  get size(): number {
    return this.#inFlight.size;
  }
}
