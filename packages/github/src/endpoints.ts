import { secureUrl } from '@mcpauth/core/kit';

/** The endpoints of one GitHub deployment. */
export interface GitHubEndpoints {
  /** REST API base, without a trailing slash (`https://api.github.com`, `{ghes}/api/v3`). */
  apiBaseUrl: string;
  /** OAuth authorization endpoint (`…/login/oauth/authorize`). */
  authorizationEndpoint: string;
  /** OAuth token endpoint (`…/login/oauth/access_token`). */
  tokenEndpoint: string;
}

/**
 * The endpoints of github.com, or of a GitHub Enterprise Server instance when `enterpriseUrl`
 * is given (REST API at `{enterpriseUrl}/api/v3`, OAuth at `{enterpriseUrl}/login/oauth/…`).
 * `enterpriseUrl` must be https (http only on a loopback host): tokens and secrets go there.
 *
 * @example
 * ```ts
 * githubEndpoints().apiBaseUrl;                              // 'https://api.github.com'
 * githubEndpoints('https://ghe.example.com').tokenEndpoint; // 'https://ghe.example.com/login/oauth/access_token'
 * ```
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * @see https://docs.github.com/en/enterprise-server@latest/rest/quickstart
 */
export function githubEndpoints(enterpriseUrl?: string): GitHubEndpoints {
  if (enterpriseUrl === undefined) {
    return {
      apiBaseUrl: 'https://api.github.com',
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
    };
  }
  const url = secureUrl(enterpriseUrl, 'GitHub: enterpriseUrl');
  if (url.search) throw new TypeError('GitHub: enterpriseUrl must not have a query or fragment');
  const base = url.href.replace(/\/+$/, '');
  return {
    apiBaseUrl: `${base}/api/v3`,
    authorizationEndpoint: `${base}/login/oauth/authorize`,
    tokenEndpoint: `${base}/login/oauth/access_token`,
  };
}
