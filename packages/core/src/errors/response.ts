import { authorizationResponseUrl } from '../authorization-server/redirect-uri.js';
import { htmlResponse, messagePage, type MessageParagraph } from '../http/html.js';
import {
  AuthorizeError,
  BearerError,
  DPoPError,
  OAuthProtocolError,
  RateLimitError,
  StorageFullError,
  TokenError,
  UpstreamError,
} from './errors.js';

/** Parameters of an RFC 6750 `WWW-Authenticate: Bearer` challenge. */
export interface BearerChallenge {
  /** RFC 9728 §5.1: where clients find the protected resource metadata. */
  resourceMetadataUrl?: string | undefined;
  /** Scopes needed for the resource (`scope="a b"`). */
  scope?: readonly string[] | undefined;
  /** RFC 6750 `error`; omitted when the request carried no credentials (RFC 6750 §3.1). */
  error?: string | undefined;
  errorDescription?: string | undefined;
  /** Optional `realm`. */
  realm?: string | undefined;
}

/**
 * Quote a value for an HTTP auth-param (RFC 9110 §11.2): backslash and double quote are escaped,
 * control characters (which could split headers) are dropped.
 */
function quote(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern rejects
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Build an RFC 6750 / RFC 9728 `WWW-Authenticate: Bearer …` header value. Every value is quoted
 * and escaped.
 *
 * @example
 * ```ts
 * bearerChallenge({ resourceMetadataUrl: 'https://api.example.com/.well-known/oauth-protected-resource/mcp' });
 * // 'Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function bearerChallenge(challenge: BearerChallenge): string {
  const params = challengeParams(challenge);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

function challengeParams(challenge: BearerChallenge): string[] {
  const params: string[] = [];
  if (challenge.realm !== undefined) params.push(`realm=${quote(challenge.realm)}`);
  if (challenge.error !== undefined) params.push(`error=${quote(challenge.error)}`);
  if (challenge.errorDescription !== undefined) params.push(`error_description=${quote(challenge.errorDescription)}`);
  if (challenge.scope !== undefined && challenge.scope.length > 0) params.push(`scope=${quote(challenge.scope.join(' '))}`);
  if (challenge.resourceMetadataUrl !== undefined) params.push(`resource_metadata=${quote(challenge.resourceMetadataUrl)}`);
  return params;
}

/** A `WWW-Authenticate: DPoP …` challenge (RFC 9449 §7.1): the Bearer parameters plus `algs`. */
function dpopChallenge(challenge: BearerChallenge, algs: readonly string[]): string {
  return `DPoP ${[...challengeParams(challenge), `algs=${quote(algs.join(' '))}`].join(', ')}`;
}

/**
 * How a resource that accepts DPoP challenges (RFC 9449 §7.1): a `DPoP` challenge with `algs`
 * next to the `Bearer` one (alone when DPoP is required), the error in the challenge of the
 * scheme the request used.
 *
 * @example
 * ```ts
 * errorResponse(err, { resourceMetadataUrl, dpop: { algs: ['ES256'], errorScheme: 'dpop' } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export interface DPoPChallengeOptions {
  /** The proof algorithms accepted (`algs`). */
  algs: readonly string[];
  /** Only DPoP is accepted: no `Bearer` challenge. */
  required?: boolean | undefined;
  /** The challenge that carries the error: the scheme the request used. Default `bearer`; a {@link DPoPError} always goes in the DPoP one. */
  errorScheme?: 'bearer' | 'dpop' | undefined;
}

/** The `WWW-Authenticate` value(s) of a refusal at a resource, Bearer and, with `dpop`, DPoP. */
function resourceChallenges(error: BearerError | DPoPError, options: ErrorResponseOptions): string[] {
  const missing = error instanceof BearerError && error.credentialsMissing;
  const plain: BearerChallenge = {
    scope: (error instanceof BearerError ? error.scope : undefined) ?? options.scope,
    resourceMetadataUrl: options.resourceMetadataUrl,
  };
  const withError: BearerChallenge = missing ? plain : { ...plain, error: error.error, errorDescription: error.errorDescription };
  const dpop = options.dpop;
  if (!dpop) return [bearerChallenge(withError)];
  const inDpop = error instanceof DPoPError || dpop.errorScheme === 'dpop' || dpop.required === true;
  const dpopValue = dpopChallenge(inDpop ? withError : plain, dpop.algs);
  if (dpop.required) return [dpopValue];
  const bearerValue = bearerChallenge(inDpop ? plain : withError);
  // the challenge with the error first (clients read the first one's parameters)
  return inDpop && !missing ? [dpopValue, bearerValue] : [bearerValue, dpopValue];
}

/** Options of {@link errorResponse}. */
export interface ErrorResponseOptions {
  /** Protected resource metadata URL for Bearer challenges. */
  resourceMetadataUrl?: string | undefined;
  /** Scopes to advertise in a Bearer challenge when the error names none. */
  scope?: readonly string[] | undefined;
  /** The client tried HTTP Basic authentication: a 401 `invalid_client` then carries `WWW-Authenticate: Basic` (RFC 6749 §5.2). */
  basicAuthAttempted?: boolean | undefined;
  /** At a resource that accepts DPoP: challenge with `DPoP` too (RFC 9449 §7.1); a {@link DPoPError} is then a 401. */
  dpop?: DPoPChallengeOptions | undefined;
  /** Extra headers (for example CORS) added to the response. */
  headers?: HeadersInit | undefined;
  /** Called with errors that are not OAuth errors (they become a generic 500), and with a `StorageFullError`, for logging. */
  onUnexpectedError?: ((error: unknown) => void) | undefined;
  /** The HTTP status to answer with instead of the error's own (for example 405 for a wrong method). */
  status?: number | undefined;
  /**
   * Authorization endpoint, client and redirect URI validated: the error goes back to the client
   * as a `302` to its redirect URI with `error`, `error_description`, `state` and `iss`
   * (RFC 6749 §4.1.2.1, RFC 9207). Anything that is not an OAuth error is sent as `server_error`.
   */
  redirect?: { redirectUri: string; state?: string | undefined; issuer: string } | undefined;
  /**
   * `'html'`: an error page for a person (authorization endpoint, when the client or its redirect
   * URI could not be validated, so redirecting would be an open redirect). Default `'json'`.
   */
  format?: 'json' | 'html' | undefined;
}

const JSON_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
} as const;

function statusFor(err: OAuthProtocolError): number {
  if (err.status !== undefined) return err.status;
  if (err instanceof BearerError) {
    return err.error === 'invalid_token' ? 401 : err.error === 'insufficient_scope' ? 403 : 400;
  }
  switch (err.error) {
    case 'invalid_client':
      return 401;
    case 'server_error':
      return 500;
    case 'temporarily_unavailable':
      return 503;
    default:
      return 400;
  }
}

/** The error page for a person: nothing to follow, never a redirect (see `format: 'html'`). */
function errorPage(error: string, description: string | undefined, status: number, extra: Headers): Response {
  const paragraphs: MessageParagraph[] = [{ code: error }];
  if (description) paragraphs.push(description);
  paragraphs.push('The application that sent you here could not be verified, so you were not sent back to it. You can close this page.');
  return htmlResponse(messagePage('Authorization error', paragraphs), { status, headers: extra, formActionSources: 'none' });
}

function redirectWithError(error: OAuthProtocolError, target: NonNullable<ErrorResponseOptions['redirect']>, extra: Headers): Response {
  const headers = new Headers(extra);
  headers.set('Cache-Control', 'no-store');
  headers.set(
    'Location',
    authorizationResponseUrl(target.redirectUri, {
      error: error.error,
      error_description: error.errorDescription,
      state: target.state,
      iss: target.issuer,
    }),
  );
  return new Response(null, { status: 302, headers });
}

/**
 * A full store or a rate limit as the OAuth error sent for it (`temporarily_unavailable`), with
 * its status (503 / 429) and `Retry-After` seconds; `undefined` for other errors.
 */
function capacityError(error: unknown): { error: OAuthProtocolError; status: number; retryAfter: number } | undefined {
  if (error instanceof StorageFullError) {
    return {
      error: new TokenError('temporarily_unavailable', 'The server cannot take new sign-ins or registrations right now; try again later'),
      status: 503,
      retryAfter: error.retryAfter,
    };
  }
  if (error instanceof RateLimitError) {
    return { error: new TokenError('temporarily_unavailable', error.message), status: 429, retryAfter: error.retryAfter };
  }
  return undefined;
}

/**
 * Turn any thrown value into an HTTP `Response`: the one place where errors become responses.
 *
 * - {@link BearerError} → 400 / 401 / 403 with `WWW-Authenticate: Bearer …` (RFC 6750 §3.1).
 * - {@link TokenError}, {@link RegistrationError}, {@link AuthorizeError} → JSON
 *   `{ error, error_description }` with the RFC status (400; 401 for `invalid_client`; 500 for
 *   `server_error`; 503 for `temporarily_unavailable`), `Cache-Control: no-store`.
 * - {@link DPoPError} → 400 with its JSON body (a token endpoint), and `DPoP-Nonce` when it
 *   carries a nonce (RFC 9449 §8); with `dpop` (a resource), 401 with a `DPoP` challenge.
 * - with `dpop`, a {@link BearerError} challenges with `DPoP … algs="…"` too (RFC 9449 §7.1).
 * - {@link UpstreamError} → 502 `server_error` without upstream details.
 * - {@link StorageFullError} → 503, {@link RateLimitError} → 429: `temporarily_unavailable` with
 *   a `Retry-After` header (seconds). A full store is also passed to `onUnexpectedError`, so
 *   operators hear of it.
 * - anything else → 500 `server_error` with a generic description: internal details never leak.
 * - with `redirect`: a 302 to the client's redirect URI carrying the error, `state` and `iss`;
 *   with `format: 'html'`: an error page (never a redirect) with anti-framing headers.
 *
 * @example
 * ```ts
 * try {
 *   return await handle(request);
 * } catch (err) {
 *   return errorResponse(err, { resourceMetadataUrl });
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function errorResponse(error: unknown, options: ErrorResponseOptions = {}): Response {
  const capacity = capacityError(error);
  if (capacity) {
    // A full store is an operational problem: report it (a rate limit is the limit working).
    if (error instanceof StorageFullError) options.onUnexpectedError?.(error);
    const headers = new Headers(options.headers);
    headers.set('Retry-After', String(capacity.retryAfter));
    return errorResponse(capacity.error, { ...options, headers, status: options.status ?? capacity.status });
  }
  if (options.redirect || options.format === 'html') {
    let oauthError: OAuthProtocolError;
    if (error instanceof OAuthProtocolError) oauthError = error;
    else {
      options.onUnexpectedError?.(error);
      oauthError = new AuthorizeError('server_error', 'Internal server error');
    }
    const extra = new Headers(options.headers);
    if (options.redirect) return redirectWithError(oauthError, options.redirect, extra);
    return errorPage(oauthError.error, oauthError.errorDescription, options.status ?? statusFor(oauthError), extra);
  }

  const headers = new Headers(options.headers);
  for (const [k, v] of Object.entries(JSON_HEADERS)) headers.set(k, v);

  if (error instanceof OAuthProtocolError) {
    const atResource = error instanceof BearerError || (error instanceof DPoPError && options.dpop !== undefined);
    const status = options.status ?? (atResource && error instanceof DPoPError ? 401 : statusFor(error));
    if (atResource) {
      for (const challenge of resourceChallenges(error as BearerError | DPoPError, options)) headers.append('WWW-Authenticate', challenge);
    } else if (error instanceof TokenError && status === 401 && options.basicAuthAttempted) {
      headers.set('WWW-Authenticate', 'Basic realm="token", charset="UTF-8"');
    }
    // RFC 9449 §8: the nonce the client must use next
    if (error instanceof DPoPError && error.nonce !== undefined) headers.set('DPoP-Nonce', error.nonce);
    return new Response(JSON.stringify(error.toJSON()), { status, headers });
  }

  options.onUnexpectedError?.(error);
  if (error instanceof UpstreamError) {
    return new Response(
      JSON.stringify({ error: 'server_error', error_description: 'The upstream authorization server could not be reached' }),
      { status: 502, headers },
    );
  }
  return new Response(JSON.stringify({ error: 'server_error', error_description: 'Internal server error' }), {
    status: 500,
    headers,
  });
}
