import { OAuthProxy, grantApprovedScopes, type OAuthProxyOptions, type ProxyForwardOptions } from '@mcpauth/core';
import { workosEndpoints } from './endpoints.js';
import { WorkOSTokenVerifier, type WorkOSTokenVerifierOptions } from './token-verifier.js';

/**
 * The WorkOS scopes asked for by default: `openid` (userinfo answers only for it, with `sub`) and
 * `offline_access` (a refresh token: WorkOS access tokens live minutes, the session longer).
 */
const DEFAULT_SCOPES = ['openid', 'offline_access'] as const;
/** With `identityClaims`: also `profile` and `email`, so userinfo releases the name and email. */
const IDENTITY_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/**
 * Options of {@link WorkOSProvider}: the WorkOS Connect application's credentials and AuthKit
 * domain, plus everything `OAuthProxy` accepts (`baseUrl`, `store`, `consent`, `validScopes`,
 * `requiredScopes`, `lifetimes`, `hooks`, …) except `upstream`, which is WorkOS.
 * `upstreamScopes` and `identityClaims` are exclusive.
 *
 * @example
 * ```ts
 * const options: WorkOSProviderOptions = { clientId, clientSecret, authkitDomain: 'example-app.authkit.app', baseUrl: 'https://mcp.example.com', identityClaims: true };
 * ```
 */
export type WorkOSProviderOptions = Omit<OAuthProxyOptions, 'upstream' | 'forward'> & {
  /** The Connect application's client id (`client_01…`). */
  clientId: string;
  /** The Connect application's client secret. */
  clientSecret: string;
  /** The AuthKit domain, e.g. `https://example-app.authkit.app` (`https://` added when missing). */
  authkitDomain: string | URL;
  /** Tuning of the `WorkOSTokenVerifier` that checks WorkOS tokens (cache, timeouts). */
  verifier?: Omit<WorkOSTokenVerifierOptions, 'authkitDomain' | 'clientId' | 'onInvalidToken' | 'logger'> | undefined;
  /** PKCE (default on) and `resource` (default off); the client's scopes are never sent to WorkOS. */
  forward?: Omit<ProxyForwardOptions, 'scopes'> | undefined;
} & (
    | {
        /**
         * Ask WorkOS for `profile` and `email` too, so the user's name and email reach your tokens'
         * `upstream_claims`. Default `false`: `openid offline_access` only (no personal data asked for).
         */
        identityClaims?: boolean | undefined;
        upstreamScopes?: undefined;
      }
    | {
        /** The WorkOS scopes requested, exactly (keep `openid`: userinfo needs it). */
        upstreamScopes: readonly string[];
        identityClaims?: undefined;
      }
  );

/** WorkOS's options as `OAuthProxy` options. */
function workosProxyOptions(options: WorkOSProviderOptions): OAuthProxyOptions {
  if (!options || typeof options.clientId !== 'string' || options.clientId.length === 0) {
    throw new TypeError('WorkOSProvider: clientId is required');
  }
  if (typeof options.clientSecret !== 'string' || options.clientSecret.length === 0) {
    throw new TypeError('WorkOSProvider: clientSecret is required');
  }
  if (options.upstreamScopes !== undefined && options.identityClaims !== undefined) {
    throw new TypeError('WorkOSProvider: give upstreamScopes or identityClaims, not both');
  }
  const { clientId, clientSecret, authkitDomain, upstreamScopes, identityClaims, verifier, forward, consent, hooks, ...proxy } = options;
  const endpoints = workosEndpoints(authkitDomain);
  return {
    ...proxy,
    upstream: {
      authorizationEndpoint: endpoints.authorizationEndpoint,
      tokenEndpoint: endpoints.tokenEndpoint,
      clientId,
      clientSecret,
      authMethod: 'client_secret_post', // WorkOS: "client ID and client secret in the body of the request"
      scopes: upstreamScopes ?? (identityClaims ? IDENTITY_SCOPES : DEFAULT_SCOPES),
      verifier: new WorkOSTokenVerifier({
        ...proxy.http,
        ...verifier,
        authkitDomain: endpoints.issuer,
        clientId,
        onInvalidToken: options.onError,
        logger: options.logger,
      }),
    },
    // WorkOS is asked for OIDC scopes only; the client's scopes are this server's, which WorkOS
    // cannot vouch for: granted as approved on the consent page unless `hooks.grantScopes` narrows.
    forward: { ...forward, scopes: false },
    consent: { providerName: 'WorkOS', ...consent },
    hooks: {
      upstreamClaims: (upstream) => ({ ...upstream.claims }),
      grantScopes: grantApprovedScopes,
      ...hooks,
    },
  };
}

/**
 * An OAuth 2.1 authorization server for MCP clients in front of a WorkOS Connect OAuth
 * application (an `OAuthProxy`), for set-ups without AuthKit's own client registration: clients
 * register with your server (DCR or CIMD) and get its tokens; users approve the client on a
 * consent page and sign in with AuthKit at `{authkitDomain}/oauth2/authorize`; WorkOS tokens stay
 * on the server and are checked with `GET {authkitDomain}/oauth2/userinfo`
 * ({@link WorkOSTokenVerifier}, cached) and refreshed with WorkOS's refresh token. Your tokens
 * carry the WorkOS identity (`sub` = WorkOS user id, `upstream_claims` = `WorkOSUserInfoClaims`).
 *
 * WorkOS defaults: `client_secret_post` at `{authkitDomain}/oauth2/token`, PKCE S256 upstream,
 * no RFC 8707 `resource` sent upstream, WorkOS asked for `openid offline_access` (with
 * `identityClaims`: `openid profile email offline_access`), never for the MCP client's scopes,
 * which are this server's: the user's approval grants them (restrict them with `hooks.grantScopes`).
 * With AuthKit's MCP support (DCR / CIMD at WorkOS), prefer `AuthKitProvider`.
 *
 * @example
 * ```ts
 * import { WorkOSProvider } from '@mcpauth/workos';
 * const auth = new WorkOSProvider({
 *   clientId: process.env.WORKOS_CLIENT_ID!,
 *   clientSecret: process.env.WORKOS_CLIENT_SECRET!,
 *   authkitDomain: 'example-app.authkit.app',
 *   baseUrl: 'https://mcp.example.com', // redirect URI in WorkOS: https://mcp.example.com/auth/callback
 * });
 * ```
 * @see https://workos.com/docs/authkit/connect/oauth
 * @see https://workos.com/docs/reference/workos-connect
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export class WorkOSProvider extends OAuthProxy {
  constructor(options: WorkOSProviderOptions) {
    super(workosProxyOptions(options));
  }
}
