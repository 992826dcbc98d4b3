import { UpstreamError, type UpstreamRevocation } from '@mcpauth/core';
import { secureUrl, sendRequest } from '@mcpauth/core/kit';

/**
 * Revoke a Google token at Google's revocation endpoint: `POST {revocationEndpoint}` with the
 * token in the form body (Google asks for no client authentication). 200 is success; 400
 * `invalid_token` counts as done (the token had expired or was already revoked: revoking a
 * refresh token ends the whole grant, its access tokens included); anything else is an
 * `UpstreamError`. Used as the `revokeUpstream` hook of `GoogleProvider`.
 *
 * @example
 * ```ts
 * const revoke = googleTokenRevoker('https://oauth2.googleapis.com/revoke');
 * await revoke({ token, tokenTypeHint: 'refresh_token', clientId, clientSecret, endpoints, http: { timeoutMs: 5000 } });
 * ```
 * @see https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export function googleTokenRevoker(revocationEndpoint: string): (request: UpstreamRevocation) => Promise<void> {
  const url = secureUrl(revocationEndpoint, 'Google: revocationEndpoint').href;
  return async ({ token, http }) => {
    const res = await sendRequest(url, { method: 'POST', form: new URLSearchParams({ token }) }, http);
    if (res.status === 200) return;
    if (res.status === 400) {
      let error: unknown;
      try {
        error = (JSON.parse(res.text()) as { error?: unknown }).error;
      } catch {
        error = undefined;
      }
      if (error === 'invalid_token') return;
    }
    throw new UpstreamError('http_status', `Google token revocation returned HTTP ${res.status}`, { status: res.status });
  };
}
