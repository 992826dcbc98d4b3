import type { TokenVerifier } from '../protocols/token-verifier.js';
import { OAuthProxy } from './oauth-proxy.js';
import type { OIDCConfiguration } from './oidc-discovery.js';
import type { OAuthProxyOptions, OIDCVerifierContext, UpstreamClientOptions } from './options.js';

/**
 * The upstream of an {@link OIDCProxy}: an OpenID provider found by discovery, our client there,
 * and the verifier of its tokens (or a factory given the discovered `jwks_uri` and `issuer`).
 *
 * @example
 * ```ts
 * const upstream: OIDCUpstreamOptions = {
 *   configUrl: 'https://tenant.example.com/.well-known/openid-configuration',
 *   clientId, clientSecret,
 *   audience: 'https://api.example.com',
 *   verifier: ({ jwksUri, issuer, audience, clientId, logger }) => new JWTVerifier({ jwksUri, issuer, audience: audience ?? clientId, logger }),
 * };
 * ```
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */
export interface OIDCUpstreamOptions extends UpstreamClientOptions {
  /** The provider's `/.well-known/openid-configuration` URL. */
  configUrl: string | URL;
  /** The issuer the configuration must name, when it differs from the URL's prefix. */
  expectedIssuer?: string | undefined;
  /** Sent as `audience` on the upstream authorization and token requests (Auth0-style APIs); passed to the verifier factory. */
  audience?: string | undefined;
  /** Verifies upstream tokens: a verifier, or a factory given the discovered provider (core has no JWT verifier: pass `@mcpauth/jwt`'s). */
  verifier: TokenVerifier | ((context: OIDCVerifierContext) => TokenVerifier);
}

/**
 * Options of {@link OIDCProxy}: those of `OAuthProxy`, with an OpenID provider as the upstream.
 *
 * @example
 * ```ts
 * const options: OIDCProxyOptions = {
 *   upstream: {
 *     configUrl: 'https://idp.example.com/.well-known/openid-configuration',
 *     clientId, clientSecret,
 *     // the audience the IdP puts in the access tokens it issues to this client
 *     verifier: ({ jwksUri, issuer, clientId }) => new JWTVerifier({ jwksUri, issuer, audience: clientId }),
 *   },
 *   baseUrl: 'https://mcp.example.com',
 * };
 * ```
 */
export type OIDCProxyOptions = Omit<OAuthProxyOptions, 'upstream'> & {
  /** The OpenID provider, our client there, the verifier of its tokens. */
  upstream: OIDCUpstreamOptions;
};

/** `OIDCProxy`'s options as `OAuthProxy` options: `openid` requested, `audience` sent, scopes kept here by default. */
function oauthProxyOptions(options: OIDCProxyOptions): OAuthProxyOptions {
  if (!options || typeof options !== 'object' || !options.upstream || typeof options.upstream !== 'object') {
    throw new TypeError('OIDCProxy: options with an upstream are required');
  }
  const { upstream, forward, ...rest } = options;
  const { audience, verifier, ...client } = upstream;
  if (audience !== undefined && (typeof audience !== 'string' || audience.length === 0)) {
    throw new TypeError('OIDCProxy: upstream.audience must be a non-empty string');
  }
  const withAudience = (params: Readonly<Record<string, string>> | undefined) => (audience ? { audience, ...params } : params);
  return {
    ...rest,
    // A stock OpenID provider knows nothing of this server's scopes (it would drop or refuse
    // them): they stay here, granted on consent unless a grantScopes hook narrows them.
    forward: { ...forward, scopes: forward?.scopes ?? false },
    upstream: {
      ...client,
      scopes: [...new Set(['openid', ...(client.scopes ?? [])])],
      extraAuthorizeParams: withAudience(client.extraAuthorizeParams),
      extraTokenParams: withAudience(client.extraTokenParams),
      verifier: typeof verifier === 'function' ? (context: OIDCVerifierContext) => verifier({ ...context, audience }) : verifier,
    },
  };
}

/**
 * An {@link OAuthProxy} in front of an OpenID provider found by discovery: the upstream
 * endpoints come from `upstream.configUrl` (fetched once, on first use or `ready()`, with a
 * timeout; required members checked; the issuer must match; a failure is retried on the next
 * use), `openid` is always requested, the client's scopes and `resource` stay here by default
 * (`forward.scopes` and `forward.resource` are off: a stock provider refuses an unknown resource
 * with `invalid_target` and drops unknown scopes; the scopes are granted on consent, narrowed by
 * `hooks.grantScopes`), the token-endpoint authentication method follows what the provider
 * supports, `upstream.audience` is sent upstream when set, and the upstream verifier comes from a
 * factory you pass that receives the discovered `issuer` and `jwks_uri` (core has no JWT verifier
 * of its own: provider packages wire `@mcpauth/jwt` in). With `upstream.verifyIdToken`, the ID
 * token is verified instead of the access token, for IdPs whose access tokens are opaque.
 *
 * Provider packages for OpenID providers (Auth0, Cognito, …) extend it with a constructor that
 * maps their options.
 *
 * @example
 * ```ts
 * import { JWTVerifier } from '@mcpauth/jwt';
 * const auth = new OIDCProxy({
 *   upstream: {
 *     configUrl: 'https://tenant.example.com/.well-known/openid-configuration',
 *     clientId, clientSecret,
 *     audience: 'https://api.example.com',
 *     verifier: ({ jwksUri, issuer, audience, clientId }) => new JWTVerifier({ jwksUri, issuer, audience: audience ?? clientId }),
 *   },
 *   baseUrl: 'https://mcp.example.com',
 * });
 * await auth.ready(); // discovery now, rather than on the first request
 * ```
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */
export class OIDCProxy extends OAuthProxy {
  constructor(options: OIDCProxyOptions) {
    super(oauthProxyOptions(options));
  }

  /**
   * The discovered provider configuration (discovery runs on first use; throws `UpstreamError`
   * when it fails).
   *
   * @example
   * ```ts
   * const { jwks_uri } = await auth.configuration();
   * ```
   */
  async configuration(): Promise<OIDCConfiguration> {
    const configuration = await this.upstreamConfiguration();
    if (!configuration) throw new Error('OIDCProxy: the upstream was not discovered');
    return configuration;
  }
}
