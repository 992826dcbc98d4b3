/**
 * The revocation endpoint (RFC 7009).
 *
 * @module
 */
import { TokenError } from '../errors/errors.js';
import type { FetchHandler } from '../http/router.js';
import { authenticateClient } from './client-auth.js';
import { clientAssertionContext, type EndpointContext } from './context.js';
import { formEndpoint } from './request.js';

/**
 * The revocation endpoint handler. `POST` with a form body; the client authenticates as at the
 * token endpoint; `token` is looked up as a refresh token and as an access token (in the order
 * `token_type_hint` suggests) and revoked when it belongs to the client; the provider revokes
 * the access and refresh tokens of the grant together. The answer is 200 whether or not the
 * token was known, so the endpoint tells nothing about tokens it did not issue to this client.
 *
 * @example
 * ```ts
 * const route = { path: '/revoke', handler: createRevokeHandler(ctx) };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export function createRevokeHandler(ctx: EndpointContext): FetchHandler {
  return formEndpoint(ctx, async (request, params) => {
    const { client } = await authenticateClient(request, params, ctx.resolveClient, ctx.now(), clientAssertionContext(ctx));
    const token = params.get('token');
    if (token === undefined) throw new TokenError('invalid_request', 'token is required');
    const lookups = [
      async () => {
        const refresh = await ctx.provider.loadRefreshToken(client, token);
        return refresh && refresh.clientId === client.client_id ? refresh : null;
      },
      async () => {
        const access = await ctx.provider.loadAccessToken(token);
        return access && access.clientId === client.client_id ? access : null;
      },
    ];
    if (params.get('token_type_hint') === 'access_token') lookups.reverse();
    for (const lookup of lookups) {
      const found = await lookup();
      if (found) {
        await ctx.provider.revokeToken(found);
        break;
      }
    }
    return new Response(null, { status: 200, headers: { 'Cache-Control': 'no-store' } });
  });
}
