/**
 * A verified access token: what a {@link TokenVerifier} returns and what request handlers see.
 *
 * @example
 * ```ts
 * const token: AccessToken = {
 *   token: raw,
 *   clientId: 'my-client',
 *   scopes: ['mcp:tools'],
 *   expiresAt: Math.floor(Date.now() / 1000) + 3600,
 *   subject: 'user-123',
 *   claims: { iss: 'https://issuer.example.com' },
 * };
 * ```
 */
export interface AccessToken {
  /** The raw bearer token. */
  token: string;
  /** The OAuth client the token was issued to. */
  clientId: string;
  /** Scopes granted to the token. */
  scopes: string[];
  /** Expiry, in seconds since the epoch. */
  expiresAt?: number | undefined;
  /** RFC 8707 resource (audience) the token is valid for. */
  resource?: string | undefined;
  /** The end user (`sub`) the token represents. */
  subject?: string | undefined;
  /** Every claim the verifier saw (JWT payload, introspection response, user info). */
  claims: Record<string, unknown>;
  /**
   * RFC 7800 confirmation: `jkt` is the SHA-256 thumbprint of the DPoP key the token is bound to
   * (RFC 9449 §6). When absent, a `cnf` claim among `claims` counts (JWT access tokens and
   * introspection responses carry it there).
   */
  cnf?: { jkt?: string | undefined } | undefined;
}

/**
 * The DPoP key thumbprint a token is bound to (`cnf.jkt`, RFC 9449 §6), from
 * {@link AccessToken.cnf} or the `cnf` claim; `undefined` for an unbound (bearer) token.
 *
 * @example
 * ```ts
 * if (boundKeyThumbprint(token) !== proof.jkt) throw new BearerError('invalid_token', 'Wrong DPoP key');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-6
 */
export function boundKeyThumbprint(token: AccessToken): string | undefined {
  const cnf = token.cnf ?? token.claims?.['cnf'];
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  return typeof jkt === 'string' && jkt.length > 0 ? jkt : undefined;
}

/**
 * The `(clientId, issuer, subject)` triple identifying the principal a token represents.
 *
 * The single source for "who is this token's principal": session ownership and request-state
 * binding both build on it. Components the verifier does not supply are `null`, so comparisons
 * degrade to the remaining components. The issuer is `claims.iss` as a string when present.
 *
 * @example
 * ```ts
 * const [clientId, issuer, subject] = principalComponents(accessToken);
 * const sessionOwner = JSON.stringify([clientId, issuer, subject]);
 * ```
 */
export function principalComponents(token: AccessToken): [clientId: string, issuer: string | null, subject: string | null] {
  const iss = token.claims?.['iss'];
  return [token.clientId, iss === undefined || iss === null ? null : String(iss), token.subject ?? null];
}

/**
 * Whether a token carries every scope in `required`.
 *
 * @example
 * ```ts
 * if (!hasScopes(token.scopes, ['files:read'])) throw new BearerError('insufficient_scope');
 * ```
 */
export function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  if (required.length === 0) return true;
  // a short list (the usual case) is searched as it is; a long one through a set
  if (granted.length <= 16) return required.every((s) => granted.includes(s));
  const set = new Set(granted);
  return required.every((s) => set.has(s));
}

/**
 * Split an OAuth scope value into scopes: a space-separated string (RFC 6749 §3.3) or an array
 * of strings (`scp` in some IdPs). Anything else yields `[]`.
 *
 * @example
 * ```ts
 * parseScopes('read write'); // ['read', 'write']
 * parseScopes(['read']);     // ['read']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function parseScopes(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((s) => s.length > 0);
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return [];
}
