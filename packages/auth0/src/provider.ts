import { OIDCProxy, grantVerifiedScopes, type OIDCProxyOptions } from '@mcpauth/core';
import type { JWTTuningOptions } from '@mcpauth/jwt';
import { auth0Endpoints } from './endpoints.js';
import { revokeAuth0RefreshToken } from './revoke.js';
import { auth0TokenVerifier, checkAlgorithms, type Auth0TokenVerifierOptions } from './verifier.js';

/**
 * Where the Auth0 tenant is: its `domain` (`example.us.auth0.com`, or a custom domain), or the
 * full OpenID discovery URL.
 *
 * @example
 * ```ts
 * const at: Auth0Location = { domain: 'example.us.auth0.com' };
 * ```
 */
export type Auth0Location =
  | {
      /** The tenant's domain (Settings → Custom Domains, or `{tenant}.{region}.auth0.com`). */
      domain: string;
      configUrl?: never;
    }
  | {
      /** The tenant's `/.well-known/openid-configuration` URL. */
      configUrl: string | URL;
      domain?: never;
    };

/**
 * Options of {@link Auth0Provider}: the tenant, the Auth0 application and API, and everything
 * `OIDCProxy` accepts (`baseUrl`, `store`, `consent`, `forward`, `validScopes`, `hooks`, …) except
 * `upstream`, which is Auth0.
 *
 * @example
 * ```ts
 * const options: Auth0ProviderOptions = {
 *   domain: 'example.us.auth0.com',
 *   clientId, clientSecret,
 *   audience: 'https://mcp.example.com/mcp',
 *   baseUrl: 'https://mcp.example.com',
 * };
 * ```
 */
export type Auth0ProviderOptions = Omit<OIDCProxyOptions, 'upstream'> &
  Auth0Location & {
    /** The Auth0 application's Client ID (a Regular Web Application). */
    clientId: string;
    /** The application's Client Secret. */
    clientSecret: string;
    /**
     * The identifier of the Auth0 API the tokens are for (Applications → APIs), sent as `audience`
     * on the authorization and token requests. Required: without it Auth0 issues opaque tokens
     * that are good only for `/userinfo` and cannot be verified.
     */
    audience: string;
    /** Scopes asked of Auth0. Default `['openid', 'profile', 'email', 'offline_access']` (refresh tokens need "Allow Offline Access"). */
    upstreamScopes?: readonly string[] | undefined;
    /**
     * Auth0 RBAC: read the `permissions` claim (the API's "Add Permissions in the Access Token"
     * setting) as the Auth0 token's scopes, and grant an MCP client only the scopes the user holds
     * as permissions. A token without the claim is refused. Default `false`.
     */
    permissionsAsScopes?: boolean | undefined;
    /** The API's signing algorithm. Default `['RS256']`. */
    algorithms?: Auth0TokenVerifierOptions['algorithms'];
    /** Tuning of the JWT verification (clock tolerance, cache, JWKS refresh). The clock is the provider's `now`. */
    jwt?: JWTTuningOptions | undefined;
  };

const AUDIENCE_REQUIRED =
  'Auth0Provider: audience is required: the identifier of the Auth0 API the tokens are for (Applications → APIs). ' +
  'Without it Auth0 issues opaque access tokens, good only for /userinfo, that this server cannot verify';

/** Auth0's options as `OIDCProxy` options. */
function auth0ProxyOptions(options: Auth0ProviderOptions): OIDCProxyOptions {
  if (!options || typeof options !== 'object') throw new TypeError('Auth0Provider: options are required');
  const {
    domain,
    configUrl,
    clientId,
    clientSecret,
    audience,
    upstreamScopes,
    permissionsAsScopes,
    algorithms,
    jwt,
    consent,
    hooks,
    ...proxy
  } = options;
  if (typeof clientId !== 'string' || clientId.length === 0) throw new TypeError('Auth0Provider: clientId is required');
  if (typeof clientSecret !== 'string' || clientSecret.length === 0) throw new TypeError('Auth0Provider: clientSecret is required');
  if (typeof audience !== 'string' || audience.trim().length === 0) throw new TypeError(AUDIENCE_REQUIRED);
  if (domain !== undefined && configUrl !== undefined) throw new TypeError('Auth0Provider: give domain or configUrl, not both');
  if (domain === undefined && configUrl === undefined)
    throw new TypeError('Auth0Provider: domain (e.g. "example.us.auth0.com") is required');
  if (permissionsAsScopes !== undefined && typeof permissionsAsScopes !== 'boolean') {
    throw new TypeError('Auth0Provider: permissionsAsScopes must be a boolean');
  }
  const discovery = domain !== undefined ? auth0Endpoints(domain).configUrl : String(configUrl);
  if (algorithms !== undefined) checkAlgorithms(algorithms); // now, not at discovery
  return {
    ...proxy,
    upstream: {
      configUrl: discovery,
      clientId,
      clientSecret,
      audience,
      scopes: upstreamScopes ?? ['openid', 'profile', 'email', 'offline_access'],
      verifier: ({ jwksUri, issuer }) =>
        auth0TokenVerifier({
          ...jwt,
          jwksUri,
          issuer, // as discovered: Auth0's issuer ends with a slash, and is compared exactly
          audience,
          algorithms,
          permissionsAsScopes,
          http: proxy.http,
          onInvalidToken: proxy.onError,
          logger: proxy.logger,
          now: proxy.now,
        }),
    },
    consent: { providerName: 'Auth0', ...consent },
    hooks: {
      // Every claim of the Auth0 token, custom (namespaced) ones included, for the MCP server.
      upstreamClaims: (upstream) => Object.fromEntries(Object.entries(upstream.claims).filter(([, v]) => v !== null)),
      revokeUpstream: revokeAuth0RefreshToken,
      // the verified Auth0 token's scopes are the user's permissions: grant those requested
      ...(permissionsAsScopes ? { grantScopes: grantVerifiedScopes } : {}),
      ...hooks,
    },
  };
}

/**
 * An OAuth 2.1 authorization server for MCP clients in front of Auth0 (an `OIDCProxy`): clients
 * register with your server (DCR or CIMD) and get its tokens; users sign in with your Auth0
 * application after a consent page. The tenant's endpoints, JWKS and issuer come from OpenID
 * discovery (on first use or `await auth.ready()`); `audience` (your Auth0 API) is sent on the
 * authorization and token requests, so Auth0 issues JWT access tokens for that API, which stay on
 * the server and are verified with {@link auth0TokenVerifier} (RS256, the exact issuer with its
 * trailing slash, the API as audience). Your tokens carry the Auth0 identity (`sub`,
 * `upstream_claims` = `Auth0Claims`).
 *
 * The MCP client's scopes are this server's: they are not sent to Auth0 (turn on
 * `forward.scopes` when they are also your Auth0 API's scopes), and are granted on consent, or
 * with `permissionsAsScopes` only those the user holds as Auth0 permissions (RBAC). Revoking a
 * token here ends the session and revokes the Auth0 refresh token at `/oauth/revoke`.
 *
 * @example
 * ```ts
 * import { Auth0Provider } from '@mcpauth/auth0';
 * const auth = new Auth0Provider({
 *   domain: 'example.us.auth0.com',
 *   clientId: process.env.AUTH0_CLIENT_ID!,
 *   clientSecret: process.env.AUTH0_CLIENT_SECRET!,
 *   audience: 'https://mcp.example.com/mcp',
 *   baseUrl: 'https://mcp.example.com', // callback: https://mcp.example.com/auth/callback
 * });
 * await auth.ready(); // discovery now rather than on the first request
 * ```
 * @see https://auth0.com/docs/get-started/authentication-and-authorization-flow/authorization-code-flow-with-pkce
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */
export class Auth0Provider extends OIDCProxy {
  constructor(options: Auth0ProviderOptions) {
    super(auth0ProxyOptions(options));
  }
}
