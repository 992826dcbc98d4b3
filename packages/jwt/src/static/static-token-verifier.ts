import {
  TokenInvalidError,
  type AccessToken,
  type AnyAuthError,
  type Clock,
  type VerifierReportingOptions,
  type TokenVerifier,
} from '@mcpauth/core';
import { epochSeconds, hasScopes, invalidTokenReporter, secureUrl, timingSafeEqual } from '@mcpauth/core/kit';
import { sha256Hex } from '../lib/sha256.js';

/**
 * What a static token stands for.
 *
 * @example
 * ```ts
 * const info: StaticTokenInfo = { clientId: 'dev', scopes: ['mcp:tools'], subject: 'alice', resource: 'http://127.0.0.1:3000/mcp' };
 * ```
 */
export interface StaticTokenInfo {
  clientId: string;
  scopes: readonly string[];
  /**
   * The resource (MCP endpoint URL) the token is for: the bearer guard's `expectedResource` check
   * (RFC 8707) accepts the token only when it names that URL (here or as `claims.aud`).
   */
  resource?: string | undefined;
  /** Expiry in seconds since the epoch; none means the token never expires. */
  expiresAt?: number | undefined;
  subject?: string | undefined;
  claims?: Record<string, unknown> | undefined;
}

/**
 * Options of {@link StaticTokenVerifier}.
 *
 * @example
 * ```ts
 * const options: StaticTokenVerifierOptions = {
 *   tokens: { 'dev-token': { clientId: 'dev', scopes: ['mcp:tools'] } },
 *   requiredScopes: ['mcp:tools'],
 * };
 * ```
 */
export interface StaticTokenVerifierOptions extends VerifierReportingOptions {
  /** The accepted tokens and what each stands for. */
  tokens: Record<string, StaticTokenInfo>;
  /** Scopes every token must carry; others are refused (reason `insufficient_scope`). */
  requiredScopes?: readonly string[] | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

const MAX_TOKEN_LENGTH = 16_384;

interface Entry {
  hash: string;
  info: StaticTokenInfo;
}

/**
 * Accepts a fixed set of bearer tokens. **For development and tests only**: the tokens live in
 * your configuration in clear and cannot be rotated or revoked without a restart; use
 * `JWTVerifier` or an introspection verifier in production.
 *
 * It takes no `audience` option, unlike `JWTVerifier`: no one issues these tokens but your own
 * configuration, so none can have been issued for another API. Give each token the `resource` it
 * is for, and the bearer guard checks it against its `expectedResource` like any other token.
 *
 * The lookup compares the SHA-256 of the presented token with every configured token's in
 * constant time, so response timing reveals neither which token nor how much of one matched.
 *
 * @example
 * ```ts
 * const resource = 'http://127.0.0.1:3000/mcp';
 * const verifier = new StaticTokenVerifier({
 *   tokens: { [process.env.DEV_TOKEN!]: { clientId: 'dev-client', scopes: ['mcp:tools'], subject: 'alice', resource } },
 * });
 * const guard = createBearerGuard({ verifier, expectedResource: resource });
 * await verifier.verifyToken(process.env.DEV_TOKEN!); // { clientId: 'dev-client', resource, ... }
 * ```
 */
export class StaticTokenVerifier implements TokenVerifier {
  /** Scopes every accepted token carries. */
  readonly requiredScopes: readonly string[];
  readonly #entries: Entry[];
  readonly #report: (error: AnyAuthError) => void;
  readonly #now: Clock;

  constructor(options: StaticTokenVerifierOptions) {
    if (!options || typeof options.tokens !== 'object' || options.tokens === null) {
      throw new TypeError('StaticTokenVerifier: tokens must be an object mapping tokens to their info');
    }
    this.#entries = Object.entries(options.tokens).map(([token, info]) => {
      if (token.length === 0) throw new TypeError('StaticTokenVerifier: tokens must be non-empty strings');
      if (!info || typeof info.clientId !== 'string' || !Array.isArray(info.scopes)) {
        throw new TypeError('StaticTokenVerifier: each token needs a clientId and a scopes list');
      }
      if (info.resource !== undefined) secureUrl(info.resource, 'StaticTokenVerifier: resource');
      return { hash: sha256Hex(token), info: { ...info, scopes: [...info.scopes] } };
    });
    this.requiredScopes = Object.freeze([...(options.requiredScopes ?? [])]);
    this.#report = invalidTokenReporter(options, 'StaticTokenVerifier');
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('StaticTokenVerifier: now must be a function');
    this.#now = options.now ?? epochSeconds;
  }

  /** The {@link AccessToken} of a configured, unexpired token with the required scopes; else `null`. */
  async verifyToken(token: string): Promise<AccessToken | null> {
    if (typeof token !== 'string') return this.#refuse(new TokenInvalidError('malformed', 'Token is not a string'));
    if (token.length > MAX_TOKEN_LENGTH) return this.#refuse(new TokenInvalidError('too_large', 'Token is too long'));
    const hash = sha256Hex(token);
    let match: Entry | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(hash, entry.hash)) match = entry;
    }
    if (match === undefined)
      return this.#refuse(new TokenInvalidError('unknown_token', 'Token is not one of the configured static tokens'));
    const { info } = match;
    if (info.expiresAt !== undefined && info.expiresAt <= this.#now())
      return this.#refuse(new TokenInvalidError('expired', 'Static token has expired'));
    if (!hasScopes(info.scopes, this.requiredScopes))
      return this.#refuse(new TokenInvalidError('insufficient_scope', 'Token lacks a required scope'));
    return {
      token,
      clientId: info.clientId,
      scopes: [...info.scopes],
      expiresAt: info.expiresAt,
      resource: info.resource,
      subject: info.subject,
      claims: { ...info.claims },
    };
  }

  #refuse(error: TokenInvalidError): null {
    this.#report(error);
    return null;
  }
}
