import type { FetchHandler, Route } from '../http/router.js';
import type { BearerGuard } from '../resource-server/bearer-guard.js';
import type { TokenVerifier } from './token-verifier.js';

/**
 * Everything an MCP server needs from one auth set-up, in one place: the verifier, the routes to
 * mount (protected resource metadata, authorization-server endpoints, callback, consent), the
 * URLs the guard advertises, and a ready guard for the MCP endpoint. `OAuthProxy`, `OIDCProxy`,
 * `RemoteAuthProvider` and every provider package are one; each is built with `new` (synchronous,
 * options checked at once) and finishes its asynchronous set-up on first use or `ready()`.
 *
 * @example
 * ```ts
 * const auth: AuthProvider = new RemoteAuthProvider({ … });
 * await auth.ready(); // optional: surface a bad configuration at start-up
 * auth.authorizationServers; // ['https://auth.example.com']
 * // the usual wiring, in one line (`@mcpauth/core/mcp`):
 * export default { fetch: createMcpAuthHandler({ auth, mcp }) };
 * // by hand, with the same pieces:
 * async function fetchHandler(request: Request) {
 *   const routed = await routeRequest(auth.routes, request);
 *   if (routed) return routed;
 *   const token = await auth.guard(request);
 *   if (token instanceof Response) return token;
 *   return mcp.fetch(request, { authInfo: toAuthInfo(token) });
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export interface AuthProvider {
  /** Verifies the bearer tokens presented to the MCP endpoint. */
  readonly verifier: TokenVerifier;
  /** Routes this set-up serves; mount them next to the MCP endpoint. */
  readonly routes: readonly Route[];
  /** The protected resource (the MCP endpoint URL), the audience tokens must carry. */
  readonly resourceUrl: string;
  /** RFC 9728 metadata URL advertised in `WWW-Authenticate`. */
  readonly resourceMetadataUrl: string;
  /**
   * Issuer URLs of the authorization servers that issue tokens for this resource, as listed in the
   * RFC 9728 metadata (`authorization_servers`): the proxy's own issuer, or the remote servers.
   */
  readonly authorizationServers: readonly string[];
  /** Scopes every MCP request needs. */
  readonly requiredScopes: readonly string[];
  /** A bearer guard preconfigured with all of the above. */
  readonly guard: BearerGuard;
  /** One Fetch handler for all routes, answering 404 elsewhere (convenience over `routes`). */
  readonly handler: FetchHandler;
  /**
   * Resolves once the set-up is complete: construction is synchronous, and what needs I/O or
   * WebCrypto (deriving keys, discovering the upstream) runs on first use or here, once. Rejects
   * with what failed (`UpstreamError` for an unreachable IdP; the next call tries again). Await it
   * at start-up to fail fast; requests wait for it anyway.
   */
  ready(): Promise<void>;
  /**
   * Told when a request with `token` was refused with `insufficient_scope` for `scopes` (the
   * per-tool challenge of `requireToolScopes` calls it before answering). An authorization server
   * that issued the token can then refuse the next refresh of that grant with `invalid_grant`, so a
   * client that refreshes instead of re-authorizing (MCP SDK v1) authorizes again and can get the
   * scopes. Optional.
   */
  noteInsufficientScope?(token: string, scopes: readonly string[]): Promise<void>;
}
