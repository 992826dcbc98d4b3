import { clearBrowserBinding, verifyBrowserBinding } from '../consent/binding.js';
import { redirectResponse } from '../consent/response.js';
import { htmlResponse, messagePage } from '../http/html.js';
import { AuthorizeError, StorageFullError, UpstreamError } from '../errors/errors.js';
import type { FetchHandler } from '../http/router.js';
import { randomToken } from '../lib/crypto.js';
import { CODE_TTL } from './config.js';
import { authorizationResponseUrl } from '../authorization-server/redirect-uri.js';
import type { ProxyContext } from './context.js';
import type { PendingRecord } from './records.js';
import type { UpstreamTokenResponse } from './upstream.js';

/**
 * The error the client gets for an upstream authorization error (RFC 6749 §4.1.2.1, OpenID
 * Connect Core §3.1.2.6): what concerns the user or the request's scope is passed on; what only
 * the server's own configuration can cause (its client, its redirect URI, a `resource` the
 * upstream does not know) becomes `server_error`.
 */
function clientErrorFor(upstreamError: string): string {
  switch (upstreamError) {
    case 'access_denied':
    case 'login_required':
    case 'consent_required':
    case 'interaction_required':
    case 'account_selection_required':
      return 'access_denied';
    case 'invalid_scope':
    case 'temporarily_unavailable':
      return upstreamError;
    default:
      return 'server_error';
  }
}
/**
 * A policy refusal of the signed-in user (a hook or provider threw `AuthorizeError('access_denied')`:
 * another domain, tenant, organization, an unverified email): the resource owner's request is
 * denied (RFC 6749 §4.1.2.1), which the client hears as `access_denied`.
 */
function isPolicyRefusal(err: unknown): err is AuthorizeError {
  return err instanceof AuthorizeError && err.error === 'access_denied';
}

/**
 * The upstream callback (`redirectPath`): the `state` is taken (single use), the browser must
 * present the binding cookie set at consent, the upstream code is exchanged with the proxy's
 * PKCE verifier, the upstream token is verified, the upstream tokens are stored (encrypted),
 * and the client receives a single-use code (5 minutes) on its exact redirect URI with `iss`.
 * A user refused by policy (`AuthorizeError('access_denied')` from the `upstreamClaims` or
 * `grantScopes` hook) gets `access_denied`, as does one who denied upstream; other failures
 * `server_error` (`temporarily_unavailable` for a full store).
 */
export function createCallbackHandler(ctx: ProxyContext): FetchHandler {
  const { config, records } = ctx;
  const { hooks } = config;
  const errorPage = (status: number, title: string, message: string) =>
    htmlResponse(messagePage(title, [message]), {
      status,
      formActionSources: 'none',
      contentSecurityPolicy: config.consent.contentSecurityPolicy,
    });

  const toClient = (pending: PendingRecord, params: Record<string, string | undefined>, cookies: string[]) =>
    redirectResponse(authorizationResponseUrl(pending.redirectUri, { ...params, state: pending.state, iss: config.issuerUrl }), cookies);

  const complete = async (pending: PendingRecord, code: string): Promise<Record<string, string>> => {
    const response: UpstreamTokenResponse = await ctx.upstream.exchangeCode({
      code,
      codeVerifier: pending.codeVerifier,
      scopes: hooks.tokenExchangeScopes?.(pending.scopes),
      resource: config.forwardResource ? pending.resource : undefined,
    });
    const now = config.now();
    const refreshExpiresAt =
      now +
      (response.refreshTokenExpiresIn ??
        (response.refreshToken ? config.refreshTokenTtl : Math.min(response.expiresIn ?? config.refreshTokenTtl, config.refreshTokenTtl)));
    const setId = randomToken(16);
    const set = await ctx.sessions.create(setId, response, refreshExpiresAt);
    const upstream = await ctx.sessions.verify(set);
    if (!upstream) {
      await ctx.sessions.revoke(setId);
      return { error: 'server_error', error_description: 'The identity provider issued a token that could not be verified' };
    }
    let upstreamClaims: Record<string, unknown>;
    let allowed: Set<string>;
    try {
      upstreamClaims = await hooks.upstreamClaims(upstream, response);
      allowed = new Set(
        await hooks.grantScopes({ requested: pending.scopes, clientId: pending.clientId, response, upstream, upstreamClaims }),
      );
    } catch (err) {
      if (isPolicyRefusal(err)) {
        // a refused user's upstream grant is not kept
        await ctx.sessions.revoke(setId).catch(config.report);
      }
      throw err;
    }
    const scopes = pending.scopes.filter((s) => allowed.has(s));
    const clientCode = randomToken();
    await ctx.codes.save(clientCode, {
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      redirectUriProvidedExplicitly: pending.redirectUriProvidedExplicitly,
      codeChallenge: pending.codeChallenge,
      state: pending.state,
      scopes,
      resource: pending.resource,
      dpopJkt: pending.dpopJkt,
      expiresAt: now + CODE_TTL,
      setId,
      subject: upstream.subject ?? (typeof upstreamClaims['sub'] === 'string' ? upstreamClaims['sub'] : undefined),
      upstreamClaims: Object.keys(upstreamClaims).length > 0 ? upstreamClaims : undefined,
      refreshExpiresAt,
    });
    return { code: clientCode };
  };

  return async (request) => {
    if (request.method !== 'GET') return errorPage(405, 'Method not allowed', 'This address only receives sign-in results.');
    const query = new URL(request.url).searchParams;
    const state = query.get('state');
    const pending = state ? await records.pending.take(state) : null;
    if (!pending) {
      config.report.log(new AuthorizeError('invalid_request', 'Callback with an unknown, used or expired state'));
      return errorPage(
        400,
        'This sign-in has expired',
        'It was already completed, or it took too long. Start again from your application.',
      );
    }
    if (!(await verifyBrowserBinding(request, config.cookies, pending.bindingId, pending.bindingHash))) {
      config.report.log(new AuthorizeError('access_denied', 'Callback in another browser than the one that started the sign-in'));
      return errorPage(
        403,
        'Sign-in refused',
        'This sign-in was started in another browser. Start again from your application in this browser.',
      );
    }
    const clear = [clearBrowserBinding(config.cookies, pending.bindingId)];
    const upstreamError = query.get('error');
    if (upstreamError !== null) {
      const description = query.get('error_description') ?? undefined;
      const said = /^[\x20-\x7e]{1,64}$/.test(upstreamError) ? ` (${upstreamError})` : '';
      // the description stays out of the message: it arrives through the browser and may quote anything
      config.report(
        new UpstreamError('oauth_error', `The identity provider answered the authorization with an error${said}`, {
          error: upstreamError,
          errorDescription: description,
        }),
      );
      const error = clientErrorFor(upstreamError);
      const detail =
        error === 'server_error'
          ? `The identity provider refused this server's request${said}`
          : `The identity provider did not authorize the request${said}`;
      return toClient(pending, { error, error_description: detail }, clear);
    }
    const code = query.get('code');
    if (!code) return toClient(pending, { error: 'server_error', error_description: 'The identity provider sent no code' }, clear);
    try {
      return toClient(pending, await complete(pending, code), clear);
    } catch (err) {
      if (isPolicyRefusal(err)) {
        // a refusal, not a failure: logged (request_refused), not passed to onError
        config.report.log(err);
        return toClient(
          pending,
          { error: 'access_denied', error_description: err.errorDescription ?? 'This account may not sign in to this server' },
          clear,
        );
      }
      config.report(err);
      if (err instanceof UpstreamError && err.error === 'invalid_client') {
        config.report.problem(
          'upstream_client_rejected',
          'The identity provider refused our client credentials at its token endpoint: every sign-in fails until upstream.clientId and upstream.clientSecret are fixed',
        );
      }
      if (err instanceof StorageFullError) {
        return toClient(
          pending,
          { error: 'temporarily_unavailable', error_description: 'The server cannot take new sign-ins right now; try again later' },
          clear,
        );
      }
      const description =
        err instanceof UpstreamError ? 'The identity provider could not complete the sign-in' : 'The sign-in could not be completed';
      return toClient(pending, { error: 'server_error', error_description: description }, clear);
    }
  };
}
