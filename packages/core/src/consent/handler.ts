import { readForm, type Params, type RequestFailure } from '../authorization-server/request.js';
import { sha256 } from '../lib/crypto.js';
import type { FetchHandler } from '../http/router.js';
import type { RememberedApprovals } from './approvals.js';
import { cookieName, readCookie, setCookie, type CookiePolicy } from './cookies.js';
import { issueCsrfToken, verifyCsrfToken } from './csrf.js';
import { htmlResponse, messagePage } from '../http/html.js';
import { renderConsentPage } from './page.js';
import { redirectResponse } from './response.js';
import { AuthorizeError } from '../errors/errors.js';
import type { Reporter } from '../logging/reporter.js';

/**
 * When the consent page is shown: `always` (every authorization, the default), `remember`
 * (a signed, bounded cookie remembers approvals of a client + redirect URI + scopes; honoured only
 * for direct navigations, `Sec-Fetch-Site: none`), `off` (development only), `external` (the
 * operator states that consent is collected upstream). The browser binding checked at the
 * callback is set in every mode.
 *
 * @example
 * ```ts
 * new OAuthProxy({ ...options, consent: { mode: 'remember' } });
 * ```
 * @see https://modelcontextprotocol.io/specification/draft/basic/security_best_practices#confused-deputy-problem
 */
export type ConsentMode = 'always' | 'remember' | 'off' | 'external';

/** A pending authorization as the consent page needs it. */
export interface ConsentRequest {
  clientId: string;
  clientName: string;
  redirectUri: string;
  scopes: readonly string[];
}

/** The decisions of the consent flow, implemented by the OAuth proxy. */
export interface ConsentFlow {
  /** The pending request of a transaction, or `null` when unknown or expired. */
  load(transaction: string): Promise<ConsentRequest | null>;
  /** Approved: consume the transaction; where to send the browser and the cookies to set. `null` when already used. */
  approve(transaction: string): Promise<{ location: string; cookies: string[] } | null>;
  /** Denied: consume the transaction; the client redirect carrying `access_denied`. `null` when already used. */
  deny(transaction: string): Promise<string | null>;
}

/** Options of {@link createConsentHandler}. */
export interface ConsentHandlerOptions {
  flow: ConsentFlow;
  mode: ConsentMode;
  policy: CookiePolicy;
  /** HMAC key of the CSRF tokens. */
  csrfKey: Uint8Array;
  /** Remembered approvals (used in `remember` mode). */
  approvals?: RememberedApprovals | undefined;
  /** Origin the approval redirects to (the upstream authorization endpoint), allowed in `form-action`. */
  upstreamOrigin: string;
  /** Lifetime of the CSRF cookie, in seconds (the transaction's lifetime). */
  ttlSeconds: number;
  serverName: string;
  providerName?: string | undefined;
  scopeDescriptions?: Readonly<Record<string, string>> | undefined;
  /** Replaces the default Content-Security-Policy of the pages. */
  contentSecurityPolicy?: string | undefined;
  /** Deadline for the form body to arrive, in milliseconds (then `408`). Default 10 000. */
  bodyTimeoutMs?: number | undefined;
  /** Logs each refusal (an error page, a denial) as a `request_refused` event. */
  report?: Reporter | undefined;
}

const MAX_FORM_BYTES = 8 * 1024;

/** A consent form that could not be read, with the status to answer (400, 408 or 413). */
class FormError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
const formFailure: RequestFailure = (description, options) => new FormError(description, options?.status ?? 400);
const APPROVALS = 'mcp-auth-approvals';

function sourceOf(uri: string): string {
  const url = new URL(uri);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
}

/**
 * The consent route: GET shows the page (or, when consent is off, external, or remembered for a
 * direct navigation, approves at once); POST takes the decision. Defences: a signed
 * double-submit CSRF token bound to the transaction, an `Origin` check, single-use transactions,
 * `X-Frame-Options: DENY` with CSP `frame-ancestors 'none'`, and remembered approvals honoured
 * only for `Sec-Fetch-Site: none` navigations (a cross-site redirect into the flow always
 * prompts; a missing header prompts too).
 */
export function createConsentHandler(options: ConsentHandlerOptions): FetchHandler {
  const { flow, policy } = options;
  const page = (status: number, title: string, message: string) => {
    options.report?.log(new AuthorizeError('invalid_request', `Consent page answered ${status}: ${title}. ${message}`));
    return htmlResponse(messagePage(title, [message]), {
      status,
      formActionSources: 'none',
      contentSecurityPolicy: options.contentSecurityPolicy,
    });
  };
  const csrfCookie = async (transaction: string) => cookieName(policy, `mcp-auth-csrf-${(await sha256(transaction)).slice(0, 12)}`);
  const approvalsCookie = cookieName(policy, APPROVALS);

  /** Approve and redirect; `remembered` is the request's approvals cookie when the approval is to be remembered. */
  const approve = async (
    transaction: string,
    request: ConsentRequest,
    extraCookies: string[],
    status: number,
    remembered?: string | null,
  ) => {
    const result = await flow.approve(transaction);
    if (!result) return page(400, 'This request has expired', 'Start the sign-in again from your application.');
    const cookies = [...extraCookies, ...result.cookies];
    if (remembered !== undefined && options.approvals) {
      cookies.push(setCookie(policy, approvalsCookie, await options.approvals.add(remembered, request), options.approvals.ttlSeconds));
    }
    return redirectResponse(result.location, cookies, status);
  };

  const get = async (request: Request): Promise<Response> => {
    const transaction = new URL(request.url).searchParams.get('transaction');
    const pending = transaction ? await flow.load(transaction) : null;
    if (!transaction || !pending) return page(400, 'This request has expired', 'Start the sign-in again from your application.');
    if (options.mode === 'off' || options.mode === 'external') return approve(transaction, pending, [], 302);
    if (options.mode === 'remember' && options.approvals && request.headers.get('sec-fetch-site') === 'none') {
      if (await options.approvals.has(readCookie(request, approvalsCookie), pending)) return approve(transaction, pending, [], 302);
    }
    const token = await issueCsrfToken(options.csrfKey, transaction);
    const html = renderConsentPage({
      serverName: options.serverName,
      clientId: pending.clientId,
      clientName: pending.clientName,
      redirectUri: pending.redirectUri,
      scopes: pending.scopes,
      scopeDescriptions: options.scopeDescriptions,
      providerName: options.providerName,
      action: new URL(request.url).pathname,
      transaction,
      csrfToken: token,
    });
    return htmlResponse(html, {
      contentSecurityPolicy: options.contentSecurityPolicy,
      formActionSources: [options.upstreamOrigin, sourceOf(pending.redirectUri)],
      cookies: [setCookie(policy, await csrfCookie(transaction), token, options.ttlSeconds)],
    });
  };

  const post = async (request: Request): Promise<Response> => {
    const origin = request.headers.get('origin');
    if (origin !== null && origin !== new URL(request.url).origin)
      return page(403, 'Request refused', 'The form was not submitted from this site.');
    let form: Params;
    try {
      form = await readForm(request, MAX_FORM_BYTES, formFailure, options.bodyTimeoutMs);
    } catch (err) {
      const status = err instanceof FormError ? err.status : 400;
      return page(
        status,
        status === 413 ? 'Request too large' : status === 408 ? 'Request timed out' : 'Request refused',
        'The form could not be read.',
      );
    }
    const transaction = form.get('transaction');
    if (!transaction) return page(400, 'Request refused', 'The form is incomplete.');
    const name = await csrfCookie(transaction);
    if (!(await verifyCsrfToken(options.csrfKey, transaction, readCookie(request, name), form.get('csrf_token') ?? null))) {
      return page(403, 'Request refused', 'The form could not be verified. Reload the page and try again.');
    }
    const clear = setCookie(policy, name, '', 0);
    const pending = await flow.load(transaction);
    if (!pending) return page(400, 'This request has expired', 'Start the sign-in again from your application.');
    const decision = form.get('decision');
    if (decision === 'approve') {
      const remembered = options.mode === 'remember' ? readCookie(request, approvalsCookie) : undefined;
      return approve(transaction, pending, [clear], 303, remembered);
    }
    if (decision === 'deny') {
      const location = await flow.deny(transaction);
      if (!location) return page(400, 'This request has expired', 'Start the sign-in again from your application.');
      options.report?.log(new AuthorizeError('access_denied', 'The user denied consent'));
      return redirectResponse(location, [clear], 303);
    }
    return page(400, 'Request refused', 'Choose Approve or Deny.');
  };

  return async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD') return get(request);
    if (request.method === 'POST') return post(request);
    return page(405, 'Method not allowed', 'Use the consent form.');
  };
}
