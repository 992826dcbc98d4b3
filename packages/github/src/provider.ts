import { OAuthProxy, type OAuthProxyOptions, type ProxyForwardOptions } from '@mcpauth/core';
import { githubEndpoints } from './endpoints.js';
import { githubTokenRevoker } from './revoke.js';
import { GitHubTokenVerifier, type GitHubTokenVerifierOptions } from './token-verifier.js';

/**
 * Options of {@link GitHubProvider}: GitHub's OAuth app credentials, plus everything
 * `OAuthProxy` accepts (`baseUrl`, `store`, `consent`, `validScopes`, `requiredScopes`, …) except
 * `upstream`, which is GitHub.
 *
 * @example
 * ```ts
 * const options: GitHubProviderOptions = { clientId, clientSecret, baseUrl: 'https://mcp.example.com', upstreamScopes: ['read:user', 'read:org'] };
 * ```
 */
export type GitHubProviderOptions = Omit<OAuthProxyOptions, 'upstream' | 'forward'> & {
  /** The OAuth app's client id (`Ov23…` for OAuth apps, `Iv1.…` for GitHub Apps). */
  clientId: string;
  /** The OAuth app's client secret. */
  clientSecret: string;
  /** GitHub Enterprise Server URL (e.g. `https://ghe.example.com`); default github.com. */
  enterpriseUrl?: string | undefined;
  /**
   * The GitHub scopes requested (and only these: the scopes MCP clients ask for are this
   * server's, in its own tokens). Default `['read:user']`, the least that lets us read the user.
   */
  upstreamScopes?: readonly string[] | undefined;
  /** Tuning of the `GitHubTokenVerifier` that checks GitHub tokens (cache, timeouts, API base). */
  verifier?: Omit<GitHubTokenVerifierOptions, 'enterpriseUrl' | 'clientId' | 'onInvalidToken' | 'logger'> | undefined;
  /** PKCE (default on) and `resource` (default off; GitHub does not support it); the client's scopes are never sent to GitHub. */
  forward?: Omit<ProxyForwardOptions, 'scopes'> | undefined;
};

/** GitHub's options as `OAuthProxy` options. */
function githubProxyOptions(options: GitHubProviderOptions): OAuthProxyOptions {
  if (!options || typeof options.clientId !== 'string' || options.clientId.length === 0) {
    throw new TypeError('GitHubProvider: clientId is required');
  }
  if (typeof options.clientSecret !== 'string' || options.clientSecret.length === 0) {
    throw new TypeError('GitHubProvider: clientSecret is required');
  }
  const { clientId, clientSecret, enterpriseUrl, upstreamScopes, verifier, forward, consent, hooks, ...proxy } = options;
  const endpoints = githubEndpoints(enterpriseUrl);
  const apiBaseUrl = verifier?.apiBaseUrl ?? endpoints.apiBaseUrl;
  return {
    ...proxy,
    upstream: {
      authorizationEndpoint: endpoints.authorizationEndpoint,
      tokenEndpoint: endpoints.tokenEndpoint,
      clientId,
      clientSecret,
      authMethod: 'client_secret_post',
      scopes: upstreamScopes ?? ['read:user'],
      verifier: new GitHubTokenVerifier({
        ...proxy.http,
        ...verifier,
        apiBaseUrl,
        clientId,
        onInvalidToken: options.onError,
        logger: options.logger,
      }),
    },
    // The client's scopes are this server's; GitHub is asked for the GitHub scopes only, and
    // cannot vouch for this server's: the default policy then grants what the user approved on
    // the consent page. Pass `hooks.grantScopes` to limit scopes to some users (by `login`, `id`, org, …).
    forward: { ...forward, scopes: false },
    consent: { providerName: 'GitHub', ...consent },
    hooks: {
      upstreamClaims: (upstream) => Object.fromEntries(Object.entries(upstream.claims).filter(([, v]) => v !== null)),
      revokeUpstream: githubTokenRevoker(apiBaseUrl),
      ...hooks,
    },
  };
}

/**
 * An OAuth 2.1 authorization server for MCP clients in front of GitHub (an `OAuthProxy`):
 * clients register with your server (DCR or CIMD) and get its tokens; users sign in with your
 * GitHub OAuth app after a consent page; GitHub tokens stay on the server and are checked with
 * `GET /user` ({@link GitHubTokenVerifier}, cached). Your tokens carry the GitHub identity
 * (`sub` = numeric user id, `upstream_claims` = {@link GitHubClaims}).
 *
 * GitHub defaults: `client_secret_post` at the token endpoint, PKCE S256 upstream, no RFC 8707
 * `resource` sent upstream (GitHub does not support it), and GitHub asked for `upstreamScopes`
 * only (`read:user`), never for the MCP client's scopes, which are this server's; GitHub cannot
 * vouch for those, so every user who signs in and approves is granted the scopes the client asked
 * for (restrict them with `hooks.grantScopes`, e.g. by `upstreamClaims.login`). Like every
 * provider, it is built with `new`; `await auth.ready()` derives its keys at start-up (otherwise
 * the first request does). Revoking a token
 * here ends the session and deletes the GitHub token through GitHub's own API
 * (`DELETE /applications/{client_id}/token`; GitHub has no RFC 7009 endpoint).
 *
 * @example
 * ```ts
 * import { GitHubProvider } from '@mcpauth/github';
 * const auth = new GitHubProvider({
 *   clientId: process.env.GITHUB_CLIENT_ID!,
 *   clientSecret: process.env.GITHUB_CLIENT_SECRET!,
 *   baseUrl: 'https://mcp.example.com', // callback: https://mcp.example.com/auth/callback
 * });
 * // serve auth.routes; guard /mcp with auth.guard
 * ```
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export class GitHubProvider extends OAuthProxy {
  constructor(options: GitHubProviderOptions) {
    super(githubProxyOptions(options));
  }
}
