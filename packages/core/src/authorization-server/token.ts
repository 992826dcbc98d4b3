/**
 * The token endpoint (RFC 6749 §3.2, OAuth 2.1): `authorization_code`, `refresh_token`, and the
 * RFC 7523 jwt-bearer grant (SEP-990 identity assertions).
 *
 * @module
 */
import { TokenError } from '../errors/errors.js';
import { jsonResponse, type FetchHandler } from '../http/router.js';
import { isPkceVerifier, pkceChallenge, timingSafeEqual } from '../lib/crypto.js';
import { parseScopes } from '../protocols/access-token.js';
import { CLIENT_CREDENTIALS_GRANT_TYPE, JWT_BEARER_GRANT_TYPE, type OAuthToken } from '../protocols/provider.js';
import { authenticateClient, type AuthenticatedClient } from './client-auth.js';
import { clientGrantTypes } from './client-metadata.js';
import { clientAssertionContext, resolveResource, unknownScopes, type EndpointContext } from './context.js';
import { formEndpoint, type Params } from './request.js';
import type { DPoPProof } from '../dpop/proof.js';
import { checkCodeBinding, checkRefreshBinding, issueOptions, tokenRequestProof } from '../dpop/token-endpoint.js';

const invalidRequest = (description: string) => new TokenError('invalid_request', description);

function required(params: Params, name: string): string {
  const value = params.get(name);
  if (value === undefined) throw invalidRequest(`${name} is required`);
  return value;
}

/** `resource` at the token endpoint must name the resource the grant is bound to (RFC 8707 §2.2), by the authorize endpoint's rule. */
function checkGrantResource(params: Params, bound: string | undefined): void {
  const requested = params.get('resource');
  if (requested !== undefined && (bound === undefined || resolveResource(requested, bound) === null)) {
    throw new TokenError('invalid_target', 'The resource does not match the grant');
  }
}

type Grant = (ctx: EndpointContext, client: AuthenticatedClient, params: Params, proof: DPoPProof | undefined) => Promise<OAuthToken>;

async function authorizationCodeGrant(
  ctx: EndpointContext,
  { client }: AuthenticatedClient,
  params: Params,
  proof: DPoPProof | undefined,
): Promise<OAuthToken> {
  const code = required(params, 'code');
  const verifier = required(params, 'code_verifier');
  const stored = await ctx.provider.loadAuthorizationCode(client, code);
  if (!stored || stored.clientId !== client.client_id) throw new TokenError('invalid_grant', 'The authorization code is invalid');
  if (stored.expiresAt <= ctx.now()) throw new TokenError('invalid_grant', 'The authorization code has expired');
  const redirectUri = params.get('redirect_uri');
  if ((stored.redirectUriProvidedExplicitly || redirectUri !== undefined) && redirectUri !== stored.redirectUri) {
    throw new TokenError('invalid_grant', 'redirect_uri does not match the authorization request');
  }
  if (!isPkceVerifier(verifier) || !timingSafeEqual(await pkceChallenge(verifier), stored.codeChallenge)) {
    throw new TokenError('invalid_grant', 'The PKCE code verifier does not match the challenge');
  }
  checkGrantResource(params, stored.resource);
  checkCodeBinding(stored, proof);
  return ctx.provider.exchangeAuthorizationCode(client, stored, issueOptions(proof));
}

async function refreshTokenGrant(
  ctx: EndpointContext,
  { client, method }: AuthenticatedClient,
  params: Params,
  proof: DPoPProof | undefined,
): Promise<OAuthToken> {
  const token = required(params, 'refresh_token');
  const stored = await ctx.provider.loadRefreshToken(client, token);
  if (!stored || stored.clientId !== client.client_id) throw new TokenError('invalid_grant', 'The refresh token is invalid');
  if (stored.expiresAt !== undefined && stored.expiresAt <= ctx.now())
    throw new TokenError('invalid_grant', 'The refresh token has expired');
  const scopeParam = params.get('scope');
  let scopes = stored.scopes;
  if (scopeParam !== undefined) {
    scopes = [...new Set(parseScopes(scopeParam).filter((s) => s !== 'offline_access'))];
    const wider = unknownScopes(scopes, stored.scopes);
    if (wider.length > 0) throw new TokenError('invalid_scope', `A refresh cannot add scopes: ${wider.join(' ')}`);
  }
  checkGrantResource(params, stored.resource);
  checkRefreshBinding(stored, proof, method === 'none');
  return ctx.provider.exchangeRefreshToken(client, stored, scopes, issueOptions(proof));
}

async function jwtBearerGrant(
  ctx: EndpointContext,
  { client, method }: AuthenticatedClient,
  params: Params,
  proof: DPoPProof | undefined,
): Promise<OAuthToken> {
  const exchange = ctx.provider.exchangeIdentityAssertion;
  if (!exchange) throw new TokenError('unsupported_grant_type', 'The jwt-bearer grant is not supported');
  if (method === 'none') throw new TokenError('unauthorized_client', 'The jwt-bearer grant requires a confidential client');
  const assertion = required(params, 'assertion');
  const scopeParam = params.get('scope');
  const scopes = scopeParam === undefined ? undefined : [...new Set(parseScopes(scopeParam))];
  const unknown = unknownScopes(scopes ?? [], ctx.scopesSupported);
  if (unknown.length > 0) throw new TokenError('invalid_scope', `Unsupported scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(' ')}`);
  const resource = resolveResource(params.get('resource'), ctx.resourceUrl);
  if (resource === null) throw new TokenError('invalid_target', 'The resource is not served by this authorization server');
  return exchange.call(ctx.provider, client, { assertion, scopes, resource }, issueOptions(proof));
}

async function clientCredentialsGrant(
  ctx: EndpointContext,
  { client, method }: AuthenticatedClient,
  params: Params,
  proof: DPoPProof | undefined,
): Promise<OAuthToken> {
  const exchange = ctx.provider.exchangeClientCredentials;
  if (!exchange) throw new TokenError('unsupported_grant_type', 'The client_credentials grant is not supported');
  if (method === 'none') throw new TokenError('unauthorized_client', 'The client_credentials grant requires a confidential client');
  const scopeParam = params.get('scope');
  const scopes = scopeParam === undefined ? undefined : [...new Set(parseScopes(scopeParam).filter((s) => s !== 'offline_access'))];
  const unknown = unknownScopes(scopes ?? [], ctx.scopesSupported);
  if (unknown.length > 0) throw new TokenError('invalid_scope', `Unsupported scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(' ')}`);
  const resource = resolveResource(params.get('resource'), ctx.resourceUrl);
  if (resource === null) throw new TokenError('invalid_target', 'The resource is not served by this authorization server');
  return exchange.call(ctx.provider, client, { scopes, resource }, issueOptions(proof));
}

const GRANTS: Record<string, Grant> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  [JWT_BEARER_GRANT_TYPE]: jwtBearerGrant,
  [CLIENT_CREDENTIALS_GRANT_TYPE]: clientCredentialsGrant,
};

/**
 * The token endpoint handler. `POST` with an `application/x-www-form-urlencoded` body within the
 * size limit; every parameter at most once. The client authenticates (see
 * `authenticateClient`) and must be registered for the grant type. Then:
 *
 * - `authorization_code`: the code must belong to the client, be unexpired, match the
 *   `redirect_uri` of the authorization request, and the PKCE verifier must hash to its
 *   challenge; a code bound to a DPoP key (`dpop_jkt`, RFC 9449 §10) needs a proof by that key;
 *   the provider consumes it exactly once.
 * - `refresh_token`: `scope` can only narrow; the provider rotates the token.
 * - jwt-bearer: only when the provider implements `exchangeIdentityAssertion`, and only for a
 *   confidential client.
 * - with `dpop` (RFC 9449 §5): a `DPoP` proof for `POST` to this endpoint is checked and
 *   consumed, and the provider is asked to bind the tokens to its key; a grant issued with DPoP
 *   refreshes only with a proof (by the same key for a public client).
 *
 * Answers carry `Cache-Control: no-store`; errors follow RFC 6749 §5.2 (401 with
 * `WWW-Authenticate: Basic` for a failed Basic authentication).
 *
 * @example
 * ```ts
 * const route = { path: '/token', handler: createTokenHandler(ctx) };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-10
 */
export function createTokenHandler(ctx: EndpointContext): FetchHandler {
  return formEndpoint(ctx, async (request, params) => {
    const grantType = required(params, 'grant_type');
    const grant = Object.hasOwn(GRANTS, grantType) && ctx.grantTypesSupported.includes(grantType) ? GRANTS[grantType] : undefined;
    if (!grant) throw new TokenError('unsupported_grant_type', 'This grant type is not supported');
    const authenticated = await authenticateClient(request, params, ctx.resolveClient, ctx.now(), clientAssertionContext(ctx));
    if (!clientGrantTypes(authenticated.client).includes(grantType)) {
      throw new TokenError('unauthorized_client', 'This client is not registered for this grant type');
    }
    const proof = await tokenRequestProof(ctx.dpop, request, `${ctx.issuer}/token`);
    const tokens = await grant(ctx, authenticated, params, proof);
    const nonce = await ctx.dpop?.currentNonce();
    return jsonResponse(tokens, 200, { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...(nonce ? { 'DPoP-Nonce': nonce } : {}) });
  });
}
