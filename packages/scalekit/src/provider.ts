import { RemoteAuthProvider, type RemoteProviderBaseOptions } from '@mcpauth/core';
import { forwardedMetadataOption, remoteResourceLocation } from '@mcpauth/core/kit';
import { JWTVerifier, type JWTAudienceCheck, type JWTTuningOptions } from '@mcpauth/jwt';
import { scalekitEndpoints, type ScalekitEndpoints } from './endpoints.js';

/**
 * The claims of a Scalekit access token for an MCP server (`token.claims`).
 *
 * @see https://docs.scalekit.com/authenticate/mcp/quickstart/
 */
export type ScalekitClaims = {
  /** The environment URL. */
  iss: string;
  /** The user (or, for client credentials, the client). */
  sub: string;
  /** The resource id (`res_…`), and the MCP server's Server URL when one is registered. Absent in older tokens. */
  aud?: string | string[];
  exp: number;
  iat: number;
  nbf?: number;
  jti?: string;
  /** The MCP client the token was issued to. */
  client_id?: string;
  /** Granted scopes, space-separated. */
  scope?: string;
  /** The session id. */
  sid?: string;
  /** The user's organization, when the sign-in was through one (enterprise SSO). */
  oid?: string;
  [claim: string]: unknown;
};

/** Options of {@link ScalekitProvider}: the environment and MCP server, where the MCP endpoint is, and anything `RemoteAuthProvider` accepts. */
export type ScalekitProviderOptions = RemoteProviderBaseOptions & {
  /** The environment URL (**Dashboard → Settings → API credentials**), e.g. `https://acme.scalekit.com` or your custom domain. */
  environmentUrl: string | URL;
  /** The MCP server's resource id (**Dashboard → MCP servers**), e.g. `res_92015146095`: the `aud` its tokens must carry. */
  resourceId: string;
  /**
   * Also accept tokens with no `aud` at all (tokens of older Scalekit set-ups). RISK: such a token
   * names no resource, so any access token of the environment (for another MCP server or API of
   * yours) is accepted here as long as it is signed by the environment and not expired. Default
   * `false`; turn it on only while old tokens are still in use.
   */
  dangerouslyAcceptTokensWithoutAudience?: boolean | undefined;
  /** Tuning of the JWT verification (clock tolerance, verified-token cache, JWKS refresh). The clock is the provider's `now`. */
  jwt?: JWTTuningOptions | undefined;
};

/** The resource id in `aud`, or (when allowed) no `aud` at all. */
function resourceOrNoAudience(resourceId: string): JWTAudienceCheck {
  return (payload) => {
    if (payload.aud === undefined) return true;
    const aud = typeof payload.aud === 'string' ? [payload.aud] : payload.aud;
    return Array.isArray(aud) && aud.includes(resourceId) && resourceId;
  };
}

/**
 * An MCP resource server for Scalekit MCP Auth (a `RemoteAuthProvider`): Scalekit registers the
 * MCP clients (DCR, CIMD) and signs users in; this server publishes RFC 9728 metadata naming
 * `{environmentUrl}/resources/{resourceId}` as the authorization server, forwards its RFC 8414
 * metadata, and verifies Scalekit's JWTs against the environment's JWKS (`{environmentUrl}/keys`,
 * `RS256`, issuer = the environment URL, audience = the resource id).
 *
 * The audience is Scalekit's resource id rather than this server's URL, so the verifier checks it
 * (`audienceCheck: 'verifier'` of `RemoteAuthProvider`).
 *
 * @example
 * ```ts
 * import { ScalekitProvider } from '@mcpauth/scalekit';
 * const auth = new ScalekitProvider({
 *   environmentUrl: 'https://acme.scalekit.com',
 *   resourceId: 'res_92015146095',
 *   baseUrl: 'https://mcp.example.com',
 *   requiredScopes: ['todo:read'],
 * });
 * // serve auth.routes; guard /mcp with auth.guard
 * ```
 * @see https://docs.scalekit.com/authenticate/mcp/quickstart/
 * @see https://www.rfc-editor.org/rfc/rfc9728
 */
export class ScalekitProvider extends RemoteAuthProvider {
  /** The environment's endpoints for this MCP server. */
  readonly endpoints: ScalekitEndpoints;

  constructor(options: ScalekitProviderOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('ScalekitProvider: options are required');
    const {
      environmentUrl,
      resourceId,
      dangerouslyAcceptTokensWithoutAudience = false,
      jwt,
      resourceUrl: _resourceUrl,
      baseUrl: _baseUrl,
      mcpPath: _mcpPath,
      ...rest
    } = options;
    if (typeof dangerouslyAcceptTokensWithoutAudience !== 'boolean') {
      throw new TypeError('ScalekitProvider: dangerouslyAcceptTokensWithoutAudience must be a boolean');
    }
    const endpoints = scalekitEndpoints(environmentUrl, resourceId);
    const verifier = new JWTVerifier({
      ...jwt,
      ...options.http,
      jwksUri: endpoints.jwksUri,
      issuer: endpoints.issuer,
      audience: dangerouslyAcceptTokensWithoutAudience ? resourceOrNoAudience(resourceId) : resourceId,
      algorithms: ['RS256'],
      onInvalidToken: options.onError,
      logger: options.logger,
      now: options.now,
    });
    super({
      ...rest,
      ...remoteResourceLocation(options),
      authorizationServers: [endpoints.authorizationServer],
      verifier,
      audienceCheck: 'verifier',
      forwardAuthorizationServerMetadata: forwardedMetadataOption(endpoints.metadataUrl, rest.forwardAuthorizationServerMetadata),
    });
    this.endpoints = endpoints;
  }
}
