import { UpstreamError, type UpstreamRevocation } from '@mcpauth/core';
import { clientSecretBasic, secureUrl, sendRequest } from '@mcpauth/core/kit';

/**
 * Revoke a GitHub OAuth token the way GitHub does it (it has no RFC 7009 endpoint):
 * `DELETE {apiBaseUrl}/applications/{client_id}/token` with the app's credentials as HTTP Basic
 * and `{ "access_token": … }` as the body. 204 is success; 404 or 422 (token already gone) count
 * as done; anything else is an `UpstreamError`. Used as the `revokeUpstream` hook of `GitHubProvider`.
 *
 * @example
 * ```ts
 * const revoke = githubTokenRevoker('https://api.github.com');
 * await revoke({ token, tokenTypeHint: 'access_token', clientId, clientSecret, endpoints, http: { timeoutMs: 5000 } });
 * ```
 * @see https://docs.github.com/en/rest/apps/oauth-applications#delete-an-app-token
 */
export function githubTokenRevoker(apiBaseUrl: string): (request: UpstreamRevocation) => Promise<void> {
  // The app's credentials and the token go to this URL: https only (http on loopback, for tests).
  const base = secureUrl(apiBaseUrl, 'GitHub: apiBaseUrl').href.replace(/\/+$/, '');
  return async ({ token, clientId, clientSecret, http }) => {
    const res = await sendRequest(
      `${base}/applications/${encodeURIComponent(clientId)}/token`,
      {
        method: 'DELETE',
        headers: {
          Authorization: clientSecretBasic(clientId, clientSecret ?? ''),
          Accept: 'application/vnd.github+json',
          'X-GitHub-Api-Version': '2022-11-28',
        },
        json: { access_token: token },
      },
      http,
    );
    if (res.status === 204 || res.status === 404 || res.status === 422) return;
    throw new UpstreamError('http_status', `GitHub token revocation returned HTTP ${res.status}`, { status: res.status });
  };
}
