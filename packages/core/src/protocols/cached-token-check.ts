import { TokenInvalidError, UpstreamError, type AnyAuthError } from '../errors/errors.js';
import { TtlCache } from '../lib/cache.js';
import { epochSeconds, type Clock } from '../lib/clock.js';
import { sha256 } from '../lib/crypto.js';
import { SingleFlight } from '../lib/single-flight.js';
import type { AccessToken } from './access-token.js';
import type { InvalidTokenHook } from './token-verifier.js';
import type { Logger } from '../logging/logger.js';
import { invalidTokenReporter, resolveVerifierCache, type VerifierCacheOptions } from './verifier-policy.js';

/** Options of {@link CachedTokenCheck}. */
export interface CachedTokenCheckOptions {
  /** The verifier's name, for `TypeError`s (`'GitHubTokenVerifier'`). */
  owner: string;
  /** The upstream's name, for messages (`'GitHub'`). */
  upstream: string;
  /** The verifier's `cache` option. */
  cache: VerifierCacheOptions | false | undefined;
  /** The verifier's cache defaults (leaving `cache` out turns it on with these). */
  defaults: { ttlSeconds: number; maxEntries: number };
  /** The verifier's `onInvalidToken` hook. */
  onInvalidToken: InvalidTokenHook | undefined;
  /** The verifier's `logger` (see `LoggingOptions`). */
  logger?: Logger | false | undefined;
  /** The verifier's clock, in seconds. Default `Date.now() / 1000`. */
  now: Clock | undefined;
  /** Longest token sent upstream; longer ones (reason `too_large`) and empty ones are refused without a call. */
  maxTokenLength: number;
}

/** What a {@link CachedTokenCheck} lookup found for a valid token: the token (without its raw value) and how long to keep it. */
export interface TokenCheckVerdict<T extends AccessToken> {
  token: Omit<T, 'token'>;
  /** Seconds the verdict may be reused (at most the cache TTL is used). */
  ttlSeconds: number;
}

/**
 * The verifier policy for a verifier that asks an upstream API about opaque tokens (GitHub's
 * `/user`, WorkOS's userinfo), around the one call that differs: empty and oversized tokens, and
 * tokens with characters no bearer token has (they could not even be sent), are refused without a
 * call; verdicts are cached by the token's SHA-256 (valid ones for the lookup's
 * `ttlSeconds`, at most `cache.ttlSeconds`; refusals for `cache.ttlSeconds`) and concurrent
 * checks of one token share one call; a lookup that throws `TokenInvalidError` refuses the token
 * (`null`, reported to `onInvalidToken`, cached); an `UpstreamError` rejects `check` (not
 * cached, not reported), and any other failure becomes one (`network`). Each caller gets its own
 * copy of the token's `scopes` and `claims`.
 *
 * @example
 * ```ts
 * const checks = new CachedTokenCheck<MyAccessToken>({ owner: 'MyVerifier', upstream: 'MyIdP', cache: options.cache,
 *   defaults: { ttlSeconds: 300, maxEntries: 10_000 }, onInvalidToken: options.onInvalidToken, now: options.now, maxTokenLength: 4096 });
 * const verifyToken = (token: string) => checks.check(token, async (t) => {
 *   const res = await sendRequest(userUrl, { headers: { Authorization: `Bearer ${t}` } });
 *   if (res.status === 401) throw new TokenInvalidError('inactive', 'MyIdP rejected the token (HTTP 401)');
 *   return { token: toAccessToken(JSON.parse(res.text())), ttlSeconds: checks.ttlSeconds };
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class CachedTokenCheck<T extends AccessToken> {
  /** Seconds a verdict is cached at most (the cache option's, or its default when the cache is off). */
  readonly ttlSeconds: number;
  /** The verifier's clock, in seconds. */
  readonly now: Clock;
  readonly #upstream: string;
  readonly #maxLength: number;
  readonly #cache: TtlCache<string, Omit<T, 'token'> | TokenInvalidError> | undefined;
  readonly #flights = new SingleFlight<string, T | null>();
  readonly #report: (error: AnyAuthError) => void;

  constructor(options: CachedTokenCheckOptions) {
    const cache = resolveVerifierCache(options.cache, options.owner, { enabled: true, ...options.defaults });
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError(`${options.owner}: now must be a function`);
    this.now = options.now ?? epochSeconds;
    this.ttlSeconds = cache?.ttlSeconds ?? options.defaults.ttlSeconds;
    this.#cache = cache && new TtlCache({ maxEntries: cache.maxEntries, now: this.now });
    this.#report = invalidTokenReporter({ onInvalidToken: options.onInvalidToken, logger: options.logger }, options.owner);
    this.#upstream = options.upstream;
    this.#maxLength = options.maxTokenLength;
  }

  /** The cached verdict on `token`, or `lookup`'s (see the class). */
  async check(token: string, lookup: (token: string) => Promise<TokenCheckVerdict<T>>): Promise<T | null> {
    const refusal =
      typeof token !== 'string' || token.length === 0
        ? new TokenInvalidError('malformed', `${this.#upstream} token is empty`)
        : token.length > this.#maxLength
          ? new TokenInvalidError('too_large', `${this.#upstream} token is too long`)
          : !/^[\x21-\x7e]+$/.test(token)
            ? new TokenInvalidError('malformed', `${this.#upstream} token has characters a bearer token cannot have`)
            : undefined;
    if (refusal) {
      this.#report(refusal);
      return null;
    }
    const key = await sha256(token);
    const cached = this.#cache?.get(key);
    if (cached instanceof TokenInvalidError) {
      this.#report(new TokenInvalidError(cached.reason, `${cached.message} (cached)`));
      return null;
    }
    if (cached !== undefined) return this.#copy(cached, token);
    return this.#flights.run(key, async () => {
      let verdict: TokenCheckVerdict<T>;
      try {
        verdict = await lookup(token);
      } catch (err) {
        if (err instanceof TokenInvalidError) {
          this.#cache?.set(key, err, { ttlSeconds: this.ttlSeconds });
          this.#report(err);
          return null;
        }
        throw err instanceof UpstreamError ? err : new UpstreamError('network', `${this.#upstream} token check failed`, { cause: err });
      }
      const ttlSeconds = Math.min(this.ttlSeconds, verdict.ttlSeconds);
      if (ttlSeconds > 0) this.#cache?.set(key, verdict.token, { ttlSeconds });
      return this.#copy(verdict.token, token);
    });
  }

  /** Each caller's own copy of a verdict (a caller changing its scopes or claims changes no one else's). */
  #copy(verdict: Omit<T, 'token'>, token: string): T {
    return { ...verdict, scopes: [...verdict.scopes], claims: { ...verdict.claims }, token } as T;
  }
}
