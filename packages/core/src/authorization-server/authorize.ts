/**
 * The authorization endpoint (RFC 6749 §4.1.1, OAuth 2.1): `GET` or `POST /authorize`.
 *
 * @module
 */
import { AuthorizeError } from '../errors/errors.js';
import { reportedErrorResponse } from '../logging/reporter.js';
import type { FetchHandler } from '../http/router.js';
import { parseScopes } from '../protocols/access-token.js';
import type { OAuthClientInformationFull } from '../protocols/provider.js';
import { clientGrantTypes } from './client-metadata.js';
import { resolveResource, unknownScopes, type EndpointContext } from './context.js';
import { matchRedirectUri } from './redirect-uri.js';
import { methodNotAllowed, parseParams, readForm, rejectDuplicates, type Params } from './request.js';

const invalidRequest = (description: string, options?: { status?: number }) => new AuthorizeError('invalid_request', description, options);

/** A base64url SHA-256 hash: what an S256 code challenge (RFC 7636 §4.2) and a `dpop_jkt` (RFC 9449 §10, RFC 7638) are. */
const BASE64URL_SHA256 = /^[A-Za-z0-9_-]{43}$/;

/** The client and the redirect URI of a request, or the error to show (never redirect) when either cannot be trusted. */
async function trustedTarget(
  ctx: EndpointContext,
  params: Params,
): Promise<{ client: OAuthClientInformationFull; redirectUri: string; explicit: boolean } | AuthorizeError> {
  if (params.duplicates.includes('client_id') || params.duplicates.includes('redirect_uri')) {
    return invalidRequest('client_id and redirect_uri must be sent once');
  }
  const clientId = params.get('client_id');
  if (!clientId) return invalidRequest('client_id is required');
  const lookup = await ctx.resolveClient(clientId);
  if (!lookup.client) return invalidRequest(lookup.problem);
  const client = lookup.client;
  const requested = params.get('redirect_uri');
  if (requested === undefined && client.redirect_uris.length !== 1)
    return invalidRequest('redirect_uri is required: the client has several registered');
  const redirectUri = requested === undefined ? client.redirect_uris[0]! : matchRedirectUri(client.redirect_uris, requested);
  if (redirectUri === null) return invalidRequest('redirect_uri is not registered for this client');
  // A client registered before the server's allowlist changed keeps URIs the server no longer allows.
  if (ctx.provider.isRedirectUriAllowed && !ctx.provider.isRedirectUriAllowed(redirectUri)) {
    return invalidRequest('redirect_uri is not allowed by this server');
  }
  return { client, redirectUri, explicit: requested !== undefined };
}

/**
 * The requested scopes, checked against the server's supported scopes; `undefined` when none were
 * sent. A client's registered `scope` does not limit what it may request later: it is
 * self-asserted at dynamic registration (so it bounds nothing), and MCP clients register with the
 * scope of the first challenge, then ask for more on an `insufficient_scope` step-up. The user's
 * consent and the server's supported scopes are the limits. The registered scope stays the
 * default for a request that names none.
 */
function requestedScopes(ctx: EndpointContext, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const scopes = [...new Set(parseScopes(value).filter((s) => s !== 'offline_access'))];
  const unknown = unknownScopes(scopes, ctx.scopesSupported);
  if (unknown.length > 0)
    throw new AuthorizeError('invalid_scope', `Unsupported scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(' ')}`);
  return scopes.length > 0 ? scopes : undefined;
}

/**
 * The `dpop_jkt` the code is to be bound to (RFC 9449 §10), when the server does DPoP. A server
 * without DPoP ignores it, as it must ignore any parameter it does not know (RFC 6749 §3.1): the
 * code is unbound, and the client learns from `token_type: "Bearer"` that its tokens are too.
 */
function requestedDpopJkt(ctx: EndpointContext, value: string | undefined): string | undefined {
  if (value === undefined || !ctx.dpop) return undefined;
  if (!BASE64URL_SHA256.test(value)) throw invalidRequest('dpop_jkt is not a base64url SHA-256 JWK thumbprint (RFC 7638)');
  return value;
}

/**
 * The authorization endpoint handler. Until the client and its redirect URI are validated, every
 * error is an HTML page, never a redirect (unknown client, unregistered or mismatched redirect
 * URI, a redirect URI the provider's `isRedirectUriAllowed` refuses, unreadable request). After that, errors go to the redirect URI with `state` and `iss`
 * (RFC 9207): duplicated parameters, `response_type` other than `code`, a missing or non-S256
 * PKCE challenge, a malformed `dpop_jkt`, unknown scopes, a foreign `resource`. A valid request goes to
 * `provider.authorize`, whose URL the user agent is sent to. With `dpop`, a `dpop_jkt` binds the
 * code to that DPoP key (RFC 9449 §10); without, it is ignored.
 *
 * @example
 * ```ts
 * const route = { path: '/authorize', handler: createAuthorizeHandler(ctx) };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-10
 */
export function createAuthorizeHandler(ctx: EndpointContext): FetchHandler {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'POST') return methodNotAllowed(['GET', 'POST']);
    const page = (err: unknown) => reportedErrorResponse(ctx.report, err, { format: 'html' });
    let params: Params;
    let target: Awaited<ReturnType<typeof trustedTarget>>;
    try {
      params =
        request.method === 'GET'
          ? parseParams(new URL(request.url).searchParams)
          : await readForm(request, ctx.maxBodyBytes, invalidRequest, ctx.bodyTimeoutMs);
      target = await trustedTarget(ctx, params);
    } catch (err) {
      return page(err);
    }
    if (target instanceof AuthorizeError) return page(target);

    const { client, redirectUri } = target;
    const state = params.get('state');
    try {
      rejectDuplicates(params, invalidRequest);
      const responseType = params.get('response_type');
      if (responseType === undefined) throw invalidRequest('response_type is required');
      if (responseType !== 'code') throw new AuthorizeError('unsupported_response_type', 'Only response_type=code is supported');
      if (!clientGrantTypes(client).includes('authorization_code')) {
        throw new AuthorizeError('unauthorized_client', 'This client is not registered for the authorization_code grant');
      }
      const codeChallenge = params.get('code_challenge');
      if (codeChallenge === undefined) throw invalidRequest('code_challenge is required (PKCE)');
      if (params.get('code_challenge_method') !== 'S256') throw invalidRequest('code_challenge_method must be S256');
      if (!BASE64URL_SHA256.test(codeChallenge)) throw invalidRequest('code_challenge is not an S256 challenge');
      const dpopJkt = requestedDpopJkt(ctx, params.get('dpop_jkt'));
      const scopes = requestedScopes(ctx, params.get('scope'));
      const resource = resolveResource(params.get('resource'), ctx.resourceUrl);
      if (resource === null) throw new AuthorizeError('invalid_target', 'The resource is not served by this authorization server');
      const location = await ctx.provider.authorize(client, {
        state,
        scopes,
        codeChallenge,
        redirectUri,
        redirectUriProvidedExplicitly: target.explicit,
        resource,
        dpopJkt,
      });
      return new Response(null, { status: 302, headers: { Location: location, 'Cache-Control': 'no-store' } });
    } catch (err) {
      return reportedErrorResponse(ctx.report, err, { redirect: { redirectUri, state, issuer: ctx.issuer } });
    }
  };
}
