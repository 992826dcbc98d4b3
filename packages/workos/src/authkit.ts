import { RemoteAuthProvider, type RemoteProviderBaseOptions } from '@mcpauth/core';
import { forwardedMetadataOption, remoteResourceLocation } from '@mcpauth/core/kit';
import { JWTVerifier, type JwsAlgorithm, type JWTTuningOptions } from '@mcpauth/jwt';
import { authkitClaims } from './claims.js';
import { workosEndpoints, type WorkOSEndpoints } from './endpoints.js';

/** Options of {@link AuthKitProvider}: the AuthKit domain, where the MCP endpoint is, and anything `RemoteAuthProvider` accepts. */
export type AuthKitProviderOptions = RemoteProviderBaseOptions & {
  /** The AuthKit domain, e.g. `https://example-app.authkit.app` or your custom auth domain (`https://` added when missing). */
  authkitDomain: string | URL;
  /**
   * Add the token's WorkOS `permissions` to its scopes, so `requiredScopes` and per-tool scope
   * checks can name permissions (`widgets:write`). Default `false`: scopes come from `scope` only.
   */
  permissionsAsScopes?: boolean | undefined;
  /** Tuning of the JWT verification (clock tolerance, verified-token cache, JWKS refresh; `algorithms`, default `['RS256']`). The clock is the provider's `now`. */
  jwt?: (JWTTuningOptions & { algorithms?: readonly JwsAlgorithm[] | undefined }) | undefined;
};

/**
 * An MCP resource server for WorkOS AuthKit (a `RemoteAuthProvider`): AuthKit is the
 * authorization server (it registers MCP clients itself, by DCR or Client ID Metadata Documents,
 * and signs users in); this server publishes RFC 9728 metadata naming the AuthKit domain,
 * forwards AuthKit's RFC 8414 metadata, and verifies AuthKit's JWT access tokens against
 * `{authkitDomain}/oauth2/jwks` with `JWTVerifier`: issuer = the AuthKit domain, audience = this
 * server's resource URL (RFC 8707; list it under the MCP resource indicators in WorkOS, or every
 * token is refused).
 *
 * The organization claims (`org_id`, `role`, `roles`, `permissions`) are checked for type and
 * typed as `AuthKitClaims`; `permissionsAsScopes` turns permissions into scopes.
 *
 * @example
 * ```ts
 * import { AuthKitProvider } from '@mcpauth/workos';
 * const auth = new AuthKitProvider({ authkitDomain: 'https://example-app.authkit.app', baseUrl: 'https://mcp.example.com' });
 * // serve auth.routes; guard /mcp with auth.guard
 * ```
 * @see https://workos.com/docs/authkit/mcp
 * @see https://www.rfc-editor.org/rfc/rfc9728
 * @see https://www.rfc-editor.org/rfc/rfc8707
 */
export class AuthKitProvider extends RemoteAuthProvider {
  /** The AuthKit domain's endpoints. */
  readonly endpoints: WorkOSEndpoints;

  constructor(options: AuthKitProviderOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('AuthKitProvider: options are required');
    const { authkitDomain, permissionsAsScopes, jwt, resourceUrl: _r, baseUrl: _b, mcpPath: _m, ...rest } = options;
    if (permissionsAsScopes !== undefined && typeof permissionsAsScopes !== 'boolean') {
      throw new TypeError('AuthKitProvider: permissionsAsScopes must be a boolean');
    }
    const endpoints = workosEndpoints(authkitDomain);
    super({
      ...rest,
      ...remoteResourceLocation(options),
      authorizationServers: [endpoints.issuer],
      verifier: ({ resourceUrl }) =>
        new JWTVerifier({
          algorithms: ['RS256'],
          ...jwt,
          ...options.http,
          jwksUri: endpoints.jwksUri,
          issuer: endpoints.issuer,
          audience: resourceUrl,
          claims: authkitClaims({ permissionsAsScopes }),
          onInvalidToken: options.onError,
          logger: options.logger,
          now: options.now,
        }),
      forwardAuthorizationServerMetadata: forwardedMetadataOption(endpoints.metadataUrl, rest.forwardAuthorizationServerMetadata),
    });
    this.endpoints = endpoints;
  }
}
