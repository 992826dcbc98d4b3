import { RemoteAuthProvider, type RemoteProviderBaseOptions } from '@mcpauth/core';
import { forwardedMetadataOption, remoteResourceLocation } from '@mcpauth/core/kit';
import { JWTVerifier, type JWTTuningOptions } from '@mcpauth/jwt';
import { descopeClaimsHook } from './claims.js';
import { descopeEndpoints, type DescopeEndpoints, type DescopeLocation } from './endpoints.js';

/** Options of {@link DescopeProvider}: the Descope project, where the MCP endpoint is, and anything `RemoteAuthProvider` accepts. */
export type DescopeProviderOptions = DescopeLocation &
  RemoteProviderBaseOptions & {
    /**
     * Add the user's Descope permissions (project-level `permissions`, and those of the current
     * tenant `dct`) to the token's scopes, so that `requiredScopes` and per-tool scope checks can
     * name Descope permissions. Default `false`: scopes come from the `scope` claim only.
     */
    permissionsAsScopes?: boolean | undefined;
    /** Tuning of the JWT verification (clock tolerance, verified-token cache, JWKS refresh). The clock is the provider's `now`. */
    jwt?: JWTTuningOptions | undefined;
  };

/**
 * An MCP resource server for Descope (a `RemoteAuthProvider`): a Descope MCP server (or inbound
 * app) registers the MCP clients (DCR) and signs users in; this server publishes RFC 9728
 * metadata naming the Descope issuer as the authorization server, forwards its RFC 8414 metadata,
 * and verifies Descope's JWTs against the project's JWKS (`RS256`, issuer = the Descope issuer,
 * audience = the project id).
 *
 * The audience is the project id rather than this server's URL, so the verifier checks it
 * (`audienceCheck: 'verifier'` of `RemoteAuthProvider`) together with the issuer.
 *
 * @example
 * ```ts
 * import { DescopeProvider } from '@mcpauth/descope';
 * const auth = new DescopeProvider({
 *   configUrl: 'https://api.descope.com/v1/apps/agentic/P2abc/MS2def/.well-known/openid-configuration',
 *   baseUrl: 'https://mcp.example.com',
 * });
 * // or: new DescopeProvider({ projectId: 'P2abc', baseUrl: 'https://mcp.example.com' })
 * ```
 * @see https://docs.descope.com/agentic-identity-hub/mcp-servers
 * @see https://www.rfc-editor.org/rfc/rfc9728
 */
export class DescopeProvider extends RemoteAuthProvider {
  /** The project's endpoints and ids. */
  readonly endpoints: DescopeEndpoints;

  constructor(options: DescopeProviderOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('DescopeProvider: options are required');
    const {
      configUrl: _configUrl,
      projectId: _projectId,
      descopeBaseUrl: _descopeBaseUrl,
      permissionsAsScopes: withPermissions = false,
      jwt,
      resourceUrl: _resourceUrl,
      baseUrl: _baseUrl,
      mcpPath: _mcpPath,
      ...rest
    } = options;
    if (typeof withPermissions !== 'boolean') throw new TypeError('DescopeProvider: permissionsAsScopes must be a boolean');
    const endpoints = descopeEndpoints(options);
    const verifier = new JWTVerifier({
      ...jwt,
      ...options.http,
      jwksUri: endpoints.jwksUri,
      issuer: endpoints.issuer,
      audience: endpoints.projectId,
      algorithms: ['RS256'],
      claims: descopeClaimsHook(endpoints.projectId, withPermissions),
      onInvalidToken: options.onError,
      logger: options.logger,
      now: options.now,
    });
    super({
      ...rest,
      ...remoteResourceLocation(options),
      authorizationServers: [endpoints.issuer],
      verifier,
      audienceCheck: 'verifier',
      forwardAuthorizationServerMetadata: forwardedMetadataOption(endpoints.metadataUrl, rest.forwardAuthorizationServerMetadata),
    });
    this.endpoints = endpoints;
  }
}
