import { UpstreamError, type UpstreamRevocation } from '@mcpauth/core';
import { clientSecretBasic, sendRequest } from '@mcpauth/core/kit';

/**
 * The proxy's upstream revocation for Cognito (its `revokeUpstream` hook): a refresh token is
 * sent to the user pool domain's `/oauth2/revoke` (the discovered `revocation_endpoint`, else
 * `/oauth2/revoke` next to the token endpoint), which revokes it and every access token issued
 * with it; the app client authenticates with HTTP Basic when it has a secret (`client_id` in the
 * form otherwise). Access tokens are not sent: Cognito revokes them through their refresh token.
 * 200 is success; anything else is an `UpstreamError` (the proxy reports it and revokes its own
 * tokens all the same).
 *
 * @example
 * ```ts
 * const auth = new OIDCProxy({ ...options, hooks: { revokeUpstream: revokeCognitoRefreshToken } });
 * ```
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html
 */
export async function revokeCognitoRefreshToken(request: UpstreamRevocation): Promise<void> {
  const { token, tokenTypeHint, clientId, clientSecret, endpoints, http } = request;
  if (tokenTypeHint !== 'refresh_token') return;
  const endpoint = endpoints.revocationEndpoint ?? new URL('/oauth2/revoke', endpoints.tokenEndpoint).href;
  const form = new URLSearchParams({ token });
  const headers: Record<string, string> = {};
  if (clientSecret) headers['Authorization'] = clientSecretBasic(clientId, clientSecret);
  else form.set('client_id', clientId);
  const res = await sendRequest(endpoint, { method: 'POST', form, headers }, http);
  if (res.status !== 200) throw new UpstreamError('http_status', `Cognito revocation returned HTTP ${res.status}`, { status: res.status });
}
