import { UpstreamError, type UpstreamRevocation } from '@mcpauth/core';
import { sendRequest } from '@mcpauth/core/kit';

/**
 * The proxy's upstream revocation for Auth0 (its `revokeUpstream` hook): a refresh token is sent
 * to the tenant's `/oauth/revoke` (the discovered `revocation_endpoint`) with the application's
 * credentials in the form, which ends the grant; an access token is not sent (Auth0 access tokens
 * for an API are JWTs that cannot be revoked: they expire). 200 is success; anything else is an
 * `UpstreamError` (the proxy reports it and revokes its own tokens all the same).
 *
 * @example
 * ```ts
 * const auth = new OIDCProxy({ ...options, hooks: { revokeUpstream: revokeAuth0RefreshToken } });
 * ```
 * @see https://auth0.com/docs/secure/tokens/refresh-tokens/revoke-refresh-tokens
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revokeAuth0RefreshToken(request: UpstreamRevocation): Promise<void> {
  const { token, tokenTypeHint, clientId, clientSecret, endpoints, http } = request;
  const endpoint = endpoints.revocationEndpoint;
  if (tokenTypeHint !== 'refresh_token' || !endpoint) return;
  const form = new URLSearchParams({ client_id: clientId, token });
  if (clientSecret) form.set('client_secret', clientSecret);
  const res = await sendRequest(endpoint, { method: 'POST', form }, http);
  if (res.status !== 200) throw new UpstreamError('http_status', `Auth0 revocation returned HTTP ${res.status}`, { status: res.status });
}
