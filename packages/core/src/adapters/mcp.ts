import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import type { AccessToken } from '../protocols/access-token.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';

/** Options of {@link toAuthInfo} and {@link toOAuthTokenVerifier}. */
export interface McpAdapterOptions {
  /**
   * For tokens the verifier reports without an expiry (some opaque upstream tokens), the
   * `expiresAt` given to the SDK, in seconds from now. The SDK refuses tokens without one. Default 300.
   */
  fallbackExpiresIn?: number | undefined;
}

function toUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Convert our {@link AccessToken} to the MCP SDK v2 `AuthInfo`: `expiresAt` is always set,
 * `resource` is the token's resource (or its single `aud`) as a URL, claims and subject are in
 * `extra`.
 *
 * @example
 * ```ts
 * const auth = await guard(request);
 * if (auth instanceof Response) return auth;
 * return mcp.fetch(request, { authInfo: toAuthInfo(auth) });
 * ```
 */
export function toAuthInfo(token: AccessToken, options: McpAdapterOptions = {}): AuthInfo {
  const aud = token.claims['aud'];
  const resource = toUrl(token.resource) ?? toUrl(typeof aud === 'string' ? aud : Array.isArray(aud) && aud.length === 1 ? aud[0] : undefined);
  const info: AuthInfo = {
    token: token.token,
    clientId: token.clientId,
    scopes: [...token.scopes],
    expiresAt: token.expiresAt ?? Math.floor(Date.now() / 1000) + (options.fallbackExpiresIn ?? 300),
    extra: { ...token.claims, subject: token.subject, claims: token.claims },
  };
  if (resource) info.resource = resource;
  return info;
}

/**
 * Adapt a {@link TokenVerifier} to the MCP SDK v2 `OAuthTokenVerifier`, for the SDK's
 * `requireBearerAuth`. An invalid token becomes the SDK's `OAuthError` with `invalid_token`.
 *
 * @example
 * ```ts
 * import { requireBearerAuth } from '@modelcontextprotocol/server';
 * const gate = requireBearerAuth({ verifier: toOAuthTokenVerifier(verifier), resourceMetadataUrl });
 * ```
 */
export function toOAuthTokenVerifier(verifier: TokenVerifier, options: McpAdapterOptions = {}): OAuthTokenVerifier {
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const result = await verifier.verifyToken(token);
      if (result === null) throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token is invalid or expired');
      return toAuthInfo(result, options);
    },
  };
}
