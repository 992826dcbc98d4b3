import type { TokenVerifier } from '../protocols/token-verifier.js';
import { OAuthProxy } from './oauth-proxy.js';
import { discoverOpenIdConfiguration, type OIDCConfiguration } from './oidc-discovery.js';
import type { OAuthProxyOptions, UpstreamAuthMethod } from './options.js';

/**
 * What a verifier factory receives: the discovered provider and how the proxy uses it.
 *
 * @example
 * ```ts
 * const createVerifier = ({ jwksUri, issuer, clientId, audience, verifyIdToken }: OIDCVerifierContext) =>
 *   new JWTVerifier({ jwksUri, issuer, audience: verifyIdToken ? clientId : (audience ?? clientId) });
 * ```
 */
export interface OIDCVerifierContext {
  /** The discovered `issuer`. */
  issuer: string;
  /** The discovered `jwks_uri`. */
  jwksUri: string;
  /** Our client id at the provider (the audience of ID tokens). */
  clientId: string;
  /** The `audience` option (the audience of access tokens at IdPs that take one). */
  audience: string | undefined;
  /** Whether the verifier will be given ID tokens rather than access tokens. */
  verifyIdToken: boolean;
  /** The whole configuration document. */
  configuration: OIDCConfiguration;
}

/**
 * Options of {@link OIDCProxy.create}: those of `OAuthProxy` without the upstream endpoints
 * (discovered) and with a verifier factory instead of a verifier (or a verifier of your own).
 *
 * @example
 * ```ts
 * const options: OIDCProxyOptions = {
 *   configUrl: 'https://idp.example.com/.well-known/openid-configuration',
 *   clientId, clientSecret, baseUrl: 'https://mcp.example.com',
 *   // the audience the IdP puts in the access tokens it issues to this client
 *   createVerifier: ({ jwksUri, issuer, clientId }) => new JWTVerifier({ jwksUri, issuer, audience: clientId }),
 * };
 * ```
 */
export type OIDCProxyOptions = Omit<OAuthProxyOptions, 'upstream' | 'upstreamVerifier'> & {
  /** The provider's `/.well-known/openid-configuration` URL. */
  configUrl: string | URL;
  /** The issuer the configuration must name, when it differs from the URL's prefix. */
  expectedIssuer?: string | undefined;
  /** Sent as `audience` on the upstream authorization and token requests (Auth0-style APIs). */
  audience?: string | undefined;
} & (
    | {
        /** Builds the upstream verifier from the discovered provider (for example a JWT verifier on `jwksUri`). */
        createVerifier: (context: OIDCVerifierContext) => TokenVerifier;
        upstreamVerifier?: never;
      }
    | {
        /** A verifier of your own for the upstream tokens. */
        upstreamVerifier: TokenVerifier;
        createVerifier?: never;
      }
  );

function authMethodFor(options: OIDCProxyOptions, config: OIDCConfiguration): UpstreamAuthMethod | undefined {
  if (options.tokenEndpointAuthMethod || !options.clientSecret) return options.tokenEndpointAuthMethod;
  const supported = config.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  return supported.includes('client_secret_basic') ? 'client_secret_basic' : supported.includes('client_secret_post') ? 'client_secret_post' : undefined;
}

/**
 * An {@link OAuthProxy} configured from OpenID Connect discovery: the upstream endpoints come
 * from `configUrl` (fetched once at start-up, with a timeout; required members checked; the
 * issuer must match), `openid` is always requested, the client's scopes and `resource` stay
 * here by default (`forwardScopes` and `forwardResource` are off: a stock provider refuses an
 * unknown resource with `invalid_target` and drops unknown scopes; the scopes are granted on
 * consent, narrowed by `hooks.grantScopes`), the token-endpoint authentication method
 * follows what the provider supports, `audience` is sent upstream when set, and the upstream
 * verifier comes from a factory you pass that receives the discovered `issuer` and `jwks_uri`
 * (core has no JWT verifier of its own: provider packages wire `@mcpauth/jwt` in). With
 * `verifyIdToken`, the ID token is verified instead of the access token, for IdPs whose access
 * tokens are opaque.
 *
 * @example
 * ```ts
 * import { JWTVerifier } from '@mcpauth/jwt';
 * const auth = await OIDCProxy.create({
 *   configUrl: 'https://tenant.example.com/.well-known/openid-configuration',
 *   clientId, clientSecret,
 *   baseUrl: 'https://mcp.example.com',
 *   audience: 'https://api.example.com',
 *   createVerifier: ({ jwksUri, issuer, audience }) => new JWTVerifier({ jwksUri, issuer, audience }),
 * });
 * ```
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */
export class OIDCProxy extends OAuthProxy {
  /** The discovered provider configuration. */
  readonly configuration: OIDCConfiguration;

  private constructor(options: OAuthProxyOptions, configuration: OIDCConfiguration) {
    super(options);
    this.configuration = configuration;
  }

  /** Discover the provider, build the verifier, and create the proxy. */
  static async create(options: OIDCProxyOptions): Promise<OIDCProxy> {
    if (!options || (typeof options.createVerifier !== 'function' && typeof options.upstreamVerifier?.verifyToken !== 'function')) {
      throw new TypeError('OIDCProxy: pass createVerifier (or upstreamVerifier)');
    }
    if (options.audience !== undefined && (typeof options.audience !== 'string' || options.audience.length === 0)) {
      throw new TypeError('OIDCProxy: audience must be a non-empty string');
    }
    const { configUrl, expectedIssuer, audience, createVerifier, upstreamVerifier, ...rest } = options;
    const configuration = await discoverOpenIdConfiguration(configUrl, { http: options.http, expectedIssuer });
    const verifyIdToken = options.verifyIdToken ?? false;
    const verifier =
      upstreamVerifier ??
      createVerifier!({ issuer: configuration.issuer, jwksUri: configuration.jwks_uri, clientId: options.clientId, audience, verifyIdToken, configuration });
    const withAudience = (params: Readonly<Record<string, string>> | undefined) => (audience ? { audience, ...params } : params);
    return new OIDCProxy(
      {
        ...rest,
        upstream: {
          authorizationEndpoint: configuration.authorization_endpoint,
          tokenEndpoint: configuration.token_endpoint,
          revocationEndpoint: configuration.revocation_endpoint,
        },
        upstreamVerifier: verifier,
        tokenEndpointAuthMethod: authMethodFor(options, configuration),
        upstreamScopes: [...new Set(['openid', ...(options.upstreamScopes ?? [])])],
        // A stock OpenID provider knows nothing of this server's scopes (it would drop or refuse
        // them): they stay here, granted on consent unless a grantScopes hook narrows them.
        forwardScopes: options.forwardScopes ?? false,
        extraAuthorizeParams: withAudience(options.extraAuthorizeParams),
        extraTokenParams: withAudience(options.extraTokenParams),
      },
      configuration,
    );
  }
}
