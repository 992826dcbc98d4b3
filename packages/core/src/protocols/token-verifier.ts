import type { AccessToken } from './access-token.js';
import type { AnyAuthError } from '../errors/errors.js';
import type { Clock } from '../lib/clock.js';
import type { VerifierCacheOptions, invalidTokenReporter } from './verifier-policy.js';

/**
 * Verifies bearer tokens. Every verifier of the MCP auth packages (and every provider package's)
 * follows one policy, checked by the shared verifier contract suite in `tools/testing`:
 *
 * 1. **Valid** token: resolves to its {@link AccessToken} (`token` is the token given).
 * 2. **Invalid** token (malformed, bad signature, expired, wrong issuer or audience, revoked,
 *    unknown to the identity provider, missing a required scope): resolves to `null`, never
 *    rejects because of a token's content. Why it was refused goes to the `onInvalidToken` hook
 *    as a `TokenInvalidError` with a stable `reason`.
 * 3. **Outage**: when the verifier cannot reach a verdict because its identity provider cannot be
 *    asked (timeout, network error, 5xx, rate limit, unusable body, our own credentials refused,
 *    a JWKS that cannot be fetched while no cached key fits the token), it rejects with an
 *    `UpstreamError`. The bearer guard answers 502 (a client retries; a 401 would send it to sign
 *    in again) and the OAuth proxy keeps sessions on their last good validation meanwhile
 *    (`upstreamOutageGrace`). An outage is never cached. The rejection is the report: it does not
 *    also go to `onInvalidToken`, which hears of refusals and of background problems only.
 * 4. **Cache**: one option shape, `cache: { ttlSeconds, maxEntries } | false`
 *    ({@link VerifierCacheOptions}); a verdict is never reused past the token's expiry.
 * 5. **Hooks listen, they do not decide**: a throwing or rejecting `onInvalidToken` changes no
 *    verdict (use {@link invalidTokenReporter}).
 * 6. **No token in any error**: no message, report or rejection contains the token.
 * 7. **Clock**: a `now` option is a {@link Clock} in seconds.
 *
 * @example
 * ```ts
 * const verifier: TokenVerifier = {
 *   async verifyToken(token) {
 *     return token === process.env.DEV_TOKEN ? { token, clientId: 'dev', scopes: [], claims: {} } : null;
 *   },
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export interface TokenVerifier {
  /** Verify a bearer token: its access info if valid, `null` if invalid, a rejection with `UpstreamError` on an outage. */
  verifyToken(token: string): Promise<AccessToken | null>;
  /** Scopes every token must carry, when the verifier enforces some; the bearer guard advertises them. */
  readonly requiredScopes?: readonly string[];
}

/**
 * Hook through which verifiers report why a token was refused (`TokenInvalidError`), and problems
 * noticed in the background (`ConfigurationError` for keys left out of a JWKS, `UpstreamError` for
 * a failed background refresh), so they can be logged or counted. The error never contains the
 * token. It only listens: what it throws or rejects with is ignored, and it never changes a verdict.
 *
 * @example
 * ```ts
 * const onInvalidToken: InvalidTokenHook = (err) => console.info('token refused', err.code, err.message);
 * ```
 */
export type InvalidTokenHook = (error: AnyAuthError) => void;

/** Anything with a `loadAccessToken` method, such as an `OAuthAuthorizationServerProvider`. */
export interface AccessTokenLoader<T extends AccessToken = AccessToken> {
  loadAccessToken(token: string): Promise<T | null>;
}

/**
 * A {@link TokenVerifier} over an authorization-server provider's `loadAccessToken`, for servers
 * that are their own authorization server.
 *
 * @example
 * ```ts
 * const provider = new StoreOAuthProvider({ issuerUrl });
 * const verifier = new ProviderTokenVerifier(provider);
 * ```
 */
export class ProviderTokenVerifier implements TokenVerifier {
  readonly #provider: AccessTokenLoader;

  constructor(provider: AccessTokenLoader) {
    this.#provider = provider;
  }

  /** Verify the token with the provider's `loadAccessToken`. */
  verifyToken(token: string): Promise<AccessToken | null> {
    return this.#provider.loadAccessToken(token);
  }
}
