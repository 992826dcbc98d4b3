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

  /** The promise of the call in flight for `key`, else of a new call to `fn` (a synchronous throw rejects it). */
  run(key: K, fn: () => Promise<V>): Promise<V> {
    const existing = this.#inFlight.get(key);
    if (existing !== undefined) return existing;
    let promise: Promise<V>;
    try {
      promise = Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
    this.#inFlight.set(key, promise);
    // registered before any caller's handlers, so a caller that runs again after the settlement
    // already starts a new call; no extra async frame on the path of every call
    const settled = () => {
      if (this.#inFlight.get(key) === promise) this.#inFlight.delete(key);
    };
    promise.then(settled, settled);
    return promise;
  }

  /** Calls currently in flight. */
  get size(): number {
    return this.#inFlight.size;
  }
}
