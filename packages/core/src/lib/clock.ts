/**
 * A clock: the current time in **seconds** since the Unix epoch, fractions allowed (the unit of
 * JWT `exp`/`iat` and of every `ttlSeconds` option). Every `now` option of the MCP auth packages
 * takes one, so one fake clock drives a whole test.
 *
 * @example
 * ```ts
 * let t = 1_700_000_000;
 * const now: Clock = () => t;
 * const store = new MemoryStore({ now });
 * const guard = createBearerGuard({ verifier, expectedResource, now });
 * t += 3600; // an hour later, for both
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-2
 */
export type Clock = () => number;

/**
 * The default {@link Clock}: `Date.now() / 1000`.
 *
 * @example
 * ```ts
 * const now = options.now ?? epochSeconds;
 * if (token.expiresAt !== undefined && token.expiresAt <= now()) return null;
 * ```
 */
export const epochSeconds: Clock = () => Date.now() / 1000;
