import type { AccessToken } from './access-token.js';
import type { AnyAuthError } from '../errors/errors.js';

/**
 * Verifies bearer tokens. Returns the {@link AccessToken} for a valid token and `null` for any
 * invalid one; it throws only for failures of its own (never because of the token's content).
 * A verifier whose identity provider cannot be reached (timeout, rate limit, 5xx) may throw an
 * `UpstreamError`: the bearer guard then answers 502 rather than 401, and the OAuth proxy keeps
 * sessions on their last good validation for a while (`upstreamOutageGrace`).
 *
 * @example
 * ```ts
 * const verifier: TokenVerifier = {
 *   async verifyToken(token) {
 *     return token === process.env.DEV_TOKEN ? { token, clientId: 'dev', scopes: [], claims: {} } : null;
 *   },
 * };
 * ```
 */
export interface TokenVerifier {
  /** Verify a bearer token and return access info if valid, else `null`. */
  verifyToken(token: string): Promise<AccessToken | null>;
  /** Scopes every token must carry, when the verifier enforces some; the bearer guard advertises them. */
  readonly requiredScopes?: readonly string[];
}

/**
 * Hook through which verifiers report why a token was refused (or a configuration problem), so
 * it can be logged or counted. The error never contains the token.
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
 * const provider = new InMemoryOAuthProvider({ issuerUrl });
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
