import {
  OAuthError,
  OAuthErrorCode,
  type AuthInfo,
  type OAuthTokenVerifier,
  type ScopeChallenge,
  type ScopeChallengeHandler,
} from '@modelcontextprotocol/server';
import { requestTarget } from '../http/request-target.js';
import { createRouter, routeRequest, type FetchHandler } from '../http/router.js';
import type { AccessToken } from '../protocols/access-token.js';
import type { AuthProvider } from '../protocols/auth-provider.js';
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
 * `resource` is the token's resource (or its single `aud`) as a URL, and `extra` is
 * `{ subject, claims }` (the verified claims once, under `claims`).
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
  const resource =
    toUrl(token.resource) ?? toUrl(typeof aud === 'string' ? aud : Array.isArray(aud) && aud.length === 1 ? aud[0] : undefined);
  const info: AuthInfo = {
    token: token.token,
    clientId: token.clientId,
    scopes: [...token.scopes],
    expiresAt: token.expiresAt ?? Math.floor(Date.now() / 1000) + (options.fallbackExpiresIn ?? 300),
    extra: { subject: token.subject, claims: token.claims },
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

/** What {@link createMcpAuthHandler} needs from the MCP side: the SDK v2 `createMcpHandler(...)` result, or anything alike. */
export interface McpFetchHandler {
  fetch(request: Request, options: { authInfo: AuthInfo }): Promise<Response>;
}

/** Options of {@link createMcpAuthHandler}. */
export interface McpAuthHandlerOptions extends McpAdapterOptions {
  /** The auth set-up (`OAuthProxy`, `OIDCProxy`, `RemoteAuthProvider`, a provider package): its routes are served and its guard protects the MCP endpoint. */
  auth: AuthProvider;
  /** The MCP server's Fetch handler, reached with the verified `authInfo`. */
  mcp: McpFetchHandler;
  /** Serves every other path. Default: 404 JSON. */
  fallback?: FetchHandler | undefined;
  /**
   * CORS on the MCP endpoint for browser-based clients such as the MCP Inspector: any origin,
   * the `Authorization` and MCP headers allowed, `WWW-Authenticate` and `Mcp-Session-Id` exposed
   * (so a browser client can read the challenge). Bearer tokens are not cookies, so this opens no
   * CSRF hole. Default `true`.
   */
  cors?: boolean | undefined;
}

/** The CORS headers of a preflight (`OPTIONS`) answer. */
const MCP_PREFLIGHT: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, DPoP, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID',
  'Access-Control-Max-Age': '86400',
};

/** Expose-Headers, the CORS header besides Allow-Origin that an actual (not preflight) response needs. */
const EXPOSE_HEADERS = 'WWW-Authenticate, DPoP-Nonce, Mcp-Session-Id, MCP-Protocol-Version';

/**
 * The response with the CORS headers of an actual response (Allow-Origin, Expose-Headers; the
 * others only count in a preflight), set in place. Only a response whose headers are immutable
 * (one from `fetch`) is copied, its body handed over as it is.
 */
function withCors(response: Response): Response {
  try {
    response.headers.set('Access-Control-Allow-Origin', '*');
    response.headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set('Access-Control-Allow-Origin', '*');
    headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

/**
 * One Fetch handler for an MCP server behind an auth set-up: the auth routes (RFC 9728 metadata,
 * authorization server, callback, consent) are served, the MCP endpoint (the path of
 * `auth.resourceUrl`) goes through `auth.guard` and reaches the MCP handler with the verified
 * `authInfo` (with `resourceMetadataUrl`, so the SDK's per-tool scope challenges advertise it),
 * and everything else goes to `fallback`.
 *
 * @example
 * ```ts
 * import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
 * import { createMcpAuthHandler } from '@mcpauth/core/mcp';
 *
 * const mcp = createMcpHandler(() => buildServer());
 * export default { fetch: createMcpAuthHandler({ auth, mcp }) };   // Workers, Bun, Deno, Hono
 * // Node: createServer(toNodeHandler(createMcpAuthHandler({ auth, mcp }))).listen(3000);
 * ```
 */
export function createMcpAuthHandler(options: McpAuthHandlerOptions): FetchHandler {
  const { auth, mcp } = options;
  if (!auth || typeof auth.guard !== 'function' || !Array.isArray(auth.routes))
    throw new TypeError('createMcpAuthHandler: auth must be an AuthProvider');
  if (!mcp || typeof mcp.fetch !== 'function') throw new TypeError('createMcpAuthHandler: mcp must have fetch(request, { authInfo })');
  const mcpPath = new URL(auth.resourceUrl).pathname;
  const cors = options.cors ?? true;
  const fallback = options.fallback ?? createRouter([]);
  const resourceMetadataUrl = auth.resourceMetadataUrl;
  return async (request) => {
    if (requestTarget(request).pathname === mcpPath) {
      if (cors && request.method === 'OPTIONS') return new Response(null, { status: 204, headers: MCP_PREFLIGHT });
      const token = await auth.guard(request);
      let response: Response;
      if (token instanceof Response) response = token;
      else {
        const authInfo = toAuthInfo(token, options);
        authInfo.resourceMetadataUrl = resourceMetadataUrl;
        response = await mcp.fetch(request, { authInfo });
      }
      return cors ? withCors(response) : response;
    }
    return (await routeRequest(auth.routes, request)) ?? fallback(request);
  };
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * A per-tool scope challenge for the MCP SDK v2 (`registerTool(name, { scopeChallenge }, …)`):
 * a call whose token lacks any of `scopes` is answered with HTTP 403
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` before the tool runs, and the
 * challenge names **every** scope the request needs: the scopes every request to the MCP
 * endpoint needs (`auth.requiredScopes`), the scopes the token already has, and the tool's. A
 * client that replaces its scope with the challenge's (MCP SDK v1 clients do) then still ends
 * with a token that works for the endpoint and for the tools it could already call, as the MCP
 * authorization spec's step-up section recommends. Given an auth set-up (not a scope list), it
 * also tells it of the challenge (`noteInsufficientScope`): the OAuth proxies then refuse the
 * grant's next refresh, so a client that refreshes instead of re-authorizing (MCP SDK v1)
 * authorizes again and can get the scope.
 *
 * @example
 * ```ts
 * import { requireToolScopes } from '@mcpauth/core/mcp';
 * server.registerTool('admin_status', { scopeChallenge: requireToolScopes(auth, 'admin') }, handler);
 * ```
 * @see https://modelcontextprotocol.io/specification/draft/basic/authorization#scope-challenge-handling
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function requireToolScopes(
  auth: Pick<AuthProvider, 'requiredScopes' | 'noteInsufficientScope'> | readonly string[],
  ...scopes: string[]
): ScopeChallengeHandler {
  if (scopes.length === 0) throw new TypeError('requireToolScopes: name at least one scope');
  const always = Array.isArray(auth) ? (auth as readonly string[]) : ((auth as Pick<AuthProvider, 'requiredScopes'>).requiredScopes ?? []);
  for (const scope of [...always, ...scopes]) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
      throw new TypeError(`requireToolScopes: "${String(scope)}" is not an OAuth scope`);
  }
  const tool = [...scopes];
  const base = [...always];
  const note = Array.isArray(auth) ? undefined : (auth as Pick<AuthProvider, 'noteInsufficientScope'>).noteInsufficientScope?.bind(auth);
  return async ({ authInfo }): Promise<ScopeChallenge | undefined> => {
    // no token: the bearer guard in front answers 401, not this challenge
    if (authInfo === undefined) return undefined;
    const held = new Set(authInfo.scopes);
    if (tool.every((s) => held.has(s))) return undefined;
    const needed = [...new Set([...base, ...authInfo.scopes.filter((s) => SCOPE_TOKEN.test(s)), ...tool])] as [string, ...string[]];
    // before the 403 leaves: a client that refreshes at once must find the note
    await note?.(authInfo.token, needed).catch(() => undefined);
    return { scopes: needed, errorDescription: `This tool needs the scope${tool.length > 1 ? 's' : ''} ${tool.join(' ')}` };
  };
}
