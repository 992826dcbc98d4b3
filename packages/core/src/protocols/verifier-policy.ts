import { createReporter, type Reporter } from '../logging/reporter.js';
import type { LoggingOptions } from '../logging/logger.js';
import type { InvalidTokenHook } from './token-verifier.js';

/**
 * The cache option of every token verifier (`JWTVerifier`, `IntrospectionTokenVerifier`,
 * `GitHubTokenVerifier`, …): `cache: { ttlSeconds, maxEntries }` turns it on (each field has the
 * verifier's default), `cache: false` turns it off, leaving it out keeps the verifier's default.
 *
 * @example
 * ```ts
 * new JWTVerifier({ jwksUri, issuer, audience, cache: { ttlSeconds: 60, maxEntries: 10_000 } });
 * new IntrospectionTokenVerifier({ ...endpoint, expectedAudience, cache: { ttlSeconds: 30 } });
 * new GitHubTokenVerifier({ cache: false });
 * ```
 */
export interface VerifierCacheOptions {
  /** Longest time a verdict is reused, in seconds; never past the token's own expiry. */
  ttlSeconds?: number | undefined;
  /** Most verdicts kept; the least recently used is dropped beyond it. */
  maxEntries?: number | undefined;
}

/** The checked form of a {@link VerifierCacheOptions} option: `undefined` when the cache is off. */
export interface ResolvedVerifierCache {
  ttlSeconds: number;
  maxEntries: number;
}

/**
 * Check a verifier's `cache` option (`TypeError` naming `owner` for a wrong shape) and fill in
 * the verifier's defaults. `defaults.enabled` says what leaving the option out means.
 *
 * @example
 * ```ts
 * const cache = resolveVerifierCache(options.cache, 'MyVerifier', { enabled: true, ttlSeconds: 300, maxEntries: 10_000 });
 * if (cache) this.#cache = new TtlCache({ maxEntries: cache.maxEntries, now });
 * ```
 */
export function resolveVerifierCache(
  value: unknown,
  owner: string,
  defaults: { enabled: boolean; ttlSeconds: number; maxEntries: number },
): ResolvedVerifierCache | undefined {
  if (value === false || (value === undefined && !defaults.enabled)) return undefined;
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new TypeError(`${owner}: cache must be { ttlSeconds?, maxEntries? } or false`);
  }
  const given = (value ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(given).filter((k) => k !== 'ttlSeconds' && k !== 'maxEntries');
  if (unknown.length > 0) throw new TypeError(`${owner}: cache takes ttlSeconds and maxEntries only (got ${unknown.join(', ')})`);
  const ttlSeconds = given['ttlSeconds'] ?? defaults.ttlSeconds;
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new TypeError(`${owner}: cache.ttlSeconds must be a positive number of seconds`);
  }
  const maxEntries = given['maxEntries'] ?? defaults.maxEntries;
  if (typeof maxEntries !== 'number' || !Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError(`${owner}: cache.maxEntries must be a positive integer`);
  }
  return { ttlSeconds, maxEntries };
}

/**
 * The reporting options every token verifier takes (`JWTVerifier`, `IntrospectionTokenVerifier`,
 * `GitHubTokenVerifier`, …; a provider package's verifier options extend it): the
 * `onInvalidToken` hook and the `logger`.
 *
 * @example
 * ```ts
 * new JWTVerifier({ jwksUri, issuer, audience, logger: console, onInvalidToken: (err) => metrics.count(err.code) });
 * ```
 */
export interface VerifierReportingOptions extends LoggingOptions {
  /** Hears why each token was refused, and of problems noticed in the background (never the token). */
  onInvalidToken?: InvalidTokenHook | undefined;
}

/**
 * The reporter of a verifier: passes each refusal or background problem to the `onInvalidToken`
 * hook and logs it (`token_refused` at `debug`, `configuration_problem` at `warn` once,
 * `upstream_failed` at `warn`), and logs configuration problems (`report.problem`). Whatever the
 * hook or the logger does (throws, returns a rejected promise) changes no verdict and surfaces as
 * no unhandled rejection. `TypeError` naming `owner` for a hook that is not a function or a
 * logger of the wrong shape. Takes the verifier's options (or, as before, the hook alone).
 *
 * @example
 * ```ts
 * const report = invalidTokenReporter(options, 'MyVerifier');
 * report(new TokenInvalidError('expired', 'Token has expired'));
 * return null;
 * ```
 */
export function invalidTokenReporter(options: VerifierReportingOptions | InvalidTokenHook | undefined, owner: string): Reporter {
  const given = typeof options === 'object' && options !== null ? options : { onInvalidToken: options };
  return createReporter({ source: owner, hook: given.onInvalidToken, hookName: 'onInvalidToken', logger: given.logger });
}
