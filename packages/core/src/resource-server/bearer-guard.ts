import type { Clock } from '../lib/clock.js';
import { BearerError, DPoPError, TokenInvalidError, UpstreamError } from '../errors/errors.js';
import { errorResponse, type ErrorResponseOptions } from '../errors/response.js';
import type { LoggingOptions } from '../logging/logger.js';
import { createReporter, type AuthErrorHook } from '../logging/reporter.js';
import { boundKeyThumbprint, hasScopes, type AccessToken } from '../protocols/access-token.js';
import { createResourceDPoP, dpopAccessToken, type ResourceDPoPOptions } from '../dpop/resource.js';
import type { DPoPProof } from '../dpop/proof.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';
import { requestTarget } from '../http/request-target.js';
import { secureUrl } from '../lib/url.js';
import { requireAudienceCheck } from './audience-rule.js';
import { normalizeResource } from './resource-url.js';

/**
 * Options of {@link createBearerGuard}. `expectedResource` is required (the MCP authorization
 * spec: a server MUST check that a token was issued for it), unless the loudly named
 * `dangerouslyAcceptAnyAudience: true` says the verifier checks the audience itself.
 *
 * @example
 * ```ts
 * const options: BearerGuardOptions = { verifier, resourceMetadataUrl, expectedResource: 'https://mcp.example.com/mcp' };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export type BearerGuardOptions = {
  /** Verifies the bearer token. */
  verifier: TokenVerifier;
  /** RFC 9728 metadata URL advertised in every challenge (`resource_metadata="…"`). */
  resourceMetadataUrl?: string | undefined;
  /** Scopes every request needs; missing ones → 403 `insufficient_scope`. Defaults to the verifier's `requiredScopes`. */
  requiredScopes?: readonly string[] | undefined;
  /**
   * Called with each refusal (`BearerError`) and each verifier failure (`UpstreamError`, or an
   * `UnexpectedError` around anything else), never with the token.
   */
  onError?: AuthErrorHook | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
  /**
   * Accept DPoP-bound tokens (RFC 9449): `Authorization: DPoP <token>` with a `DPoP` proof for
   * this request, whose `ath` is the token's hash and whose key is the token's `cnf.jkt`.
   * `required: true` refuses Bearer altogether. Without it, DPoP is refused, and so is any token
   * bound to a key (`cnf.jkt`), which is never accepted as a bearer token.
   */
  dpop?: ResourceDPoPOptions | undefined;
} & LoggingOptions &
  (
    | {
        /**
         * RFC 8707 audience check: accept only tokens whose `resource` (or `aud` claim) names this
         * server's resource URL (the MCP endpoint), ignoring a fragment and one trailing slash.
         */
        expectedResource: string | URL;
        dangerouslyAcceptAnyAudience?: never;
      }
    | {
        expectedResource?: never;
        /**
         * Skip the audience check: a token issued for another API passes unless the `verifier`
         * refuses it. Only for a verifier that checks the audience itself (a `JWTVerifier` with
         * `audience`, a verifier of tokens that name no resource and are bound otherwise).
         */
        dangerouslyAcceptAnyAudience: true;
      }
  );

/** A guard: the verified token, or the `Response` to send back. */
export type BearerGuard = (request: Request) => Promise<AccessToken | Response>;

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const TOKEN68_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/') TOKEN68_CHAR[c.charCodeAt(0)] = 1;
const BEARER = 'bearer';

/**
 * A well-formed `Bearer <token68>` header in one pass (what the regular expressions below accept,
 * without running them on a long token); `undefined` for anything else, which they then judge.
 */
function wellFormedBearer(header: string): string | undefined {
  for (let i = 0; i < BEARER.length; i++) {
    const c = header.charCodeAt(i);
    if (c >= 128 || (c | 0x20) !== BEARER.charCodeAt(i)) return undefined;
  }
  let start = BEARER.length;
  if (header.charCodeAt(start) !== 32) return undefined;
  while (header.charCodeAt(start) === 32) start++;
  let end = header.length;
  while (end > start && header.charCodeAt(end - 1) === 32) end--;
  let i = start;
  while (i < end && TOKEN68_CHAR[header.charCodeAt(i)] === 1) i++;
  if (i === start) return undefined;
  while (i < end && header.charCodeAt(i) === 61) i++;
  return i === end ? header.slice(start, end) : undefined;
}

/**
 * Extract the bearer token of a request (RFC 6750 §2.1). `null` when the request carries no
 * credentials; throws `BearerError('invalid_request')` for a malformed header, another scheme,
 * a token sent in more than one place (two `Authorization` headers, or a header plus an
 * `access_token` query parameter) or in the query string at all (the MCP authorization spec
 * forbids it).
 *
 * @example
 * ```ts
 * const token = extractBearerToken(request); // 'eyJ…' or null
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function extractBearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  const inQuery = requestTarget(request).accessTokenInQuery;
  if (inQuery) {
    throw new BearerError(
      'invalid_request',
      header !== null
        ? 'Credentials were sent in more than one way'
        : 'Access tokens must be sent in the Authorization header, not the query string',
    );
  }
  if (header === null) return null;
  // Two Authorization headers arrive joined with a comma (Fetch API, and the Node adapter reads
  // the raw headers): which one counts would be ambiguous, so neither does.
  if (header.includes(',')) throw new BearerError('invalid_request', 'The request carries more than one Authorization header');
  const token = wellFormedBearer(header);
  if (token !== undefined) return token;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) {
    if (/^Bearer\s*$/i.test(header) || !/^Bearer\s/i.test(header)) {
      throw new BearerError('invalid_request', 'The Authorization header must be "Bearer <token>"');
    }
    throw new BearerError('invalid_request', 'Malformed bearer credentials');
  }
  const credentials = match[1]!;
  if (!TOKEN68.test(credentials)) throw new BearerError('invalid_request', 'Malformed bearer credentials');
  return credentials;
}

/**
 * Whether the token names the resource `expected` (as `sameResource` compares, with the expected
 * side normalised once at construction): a value equal to its `href` or its normalised form, the
 * usual case, needs no parsing.
 */
function audienceMatches(token: AccessToken, expected: ExpectedResource): boolean {
  const matches = (value: string) => value === expected.href || value === expected.same || normalizeResource(value) === expected.normalized;
  if (token.resource !== undefined) return matches(token.resource);
  const aud = token.claims['aud'];
  if (typeof aud === 'string') return matches(aud);
  return Array.isArray(aud) && aud.some((a) => typeof a === 'string' && matches(a));
}

interface ExpectedResource {
  href: string;
  normalized: string;
  /** `normalized` when normalising it again gives itself (always, but for paths like `//`). */
  same: string | undefined;
}

function expectedResource(href: string): ExpectedResource {
  const normalized = normalizeResource(href)!;
  return { href, normalized, same: normalizeResource(normalized) === normalized ? normalized : undefined };
}

/**
 * A bearer-token guard for a protected resource over any {@link TokenVerifier}, following
 * RFC 6750 and the MCP authorization spec:
 *
 * - no credentials → 401 with `WWW-Authenticate: Bearer resource_metadata="…"` (plus `scope`
 *   when scopes are required) and no error code;
 * - malformed header, or credentials sent twice → 400 `invalid_request`;
 * - invalid, expired, or issued for another resource (`expectedResource`, required) → 401 `invalid_token`;
 * - missing required scopes → 403 `insufficient_scope` with `scope`;
 * - with `dpop` (RFC 9449 §7): `Authorization: DPoP <token>` needs a `DPoP` proof for this
 *   method and URL whose `ath` is the token's hash and whose key is the token's `cnf.jkt`, used
 *   once (401 `invalid_dpop_proof`, or `use_dpop_nonce` with a `DPoP-Nonce` header); challenges
 *   carry `DPoP algs="…"` too; `dpop.required` refuses Bearer;
 * - a token bound to a DPoP key (`cnf.jkt`) presented as Bearer → 401 `invalid_token`, with or
 *   without `dpop`;
 * - a verifier that throws → 500 without details; 502 when it throws `UpstreamError` (its
 *   identity provider cannot be reached: a transient failure, not an invalid token).
 *
 * @example
 * ```ts
 * const guard = createBearerGuard({ verifier, resourceMetadataUrl, requiredScopes: ['mcp:tools'], expectedResource: 'https://api.example.com/mcp' });
 * const auth = await guard(request);
 * if (auth instanceof Response) return auth;
 * return mcpHandler.fetch(request, { authInfo: toAuthInfo(auth) });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function createBearerGuard(options: BearerGuardOptions): BearerGuard {
  if (!options || typeof options.verifier?.verifyToken !== 'function') {
    throw new TypeError('createBearerGuard: verifier must implement verifyToken');
  }
  requireAudienceCheck(options, 'createBearerGuard', 'expectedResource', 'the MCP endpoint URL');
  const required = [...(options.requiredScopes ?? options.verifier.requiredScopes ?? [])];
  const href =
    options.expectedResource === undefined ? undefined : secureUrl(options.expectedResource, 'createBearerGuard: expectedResource').href;
  const expected = href === undefined ? undefined : expectedResource(href);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const baseResponse = { resourceMetadataUrl: options.resourceMetadataUrl, scope: required.length > 0 ? required : undefined };
  const dpop = options.dpop === undefined ? undefined : createResourceDPoP(options.dpop, now);
  const responseOptions = (scheme?: 'bearer' | 'dpop'): ErrorResponseOptions =>
    dpop ? { ...baseResponse, dpop: dpop.challenge(scheme) } : baseResponse;
  const expectedPath = href === undefined ? undefined : new URL(href).pathname;
  /** The URL a proof's `htu` must name: the public resource URL for a request to its path (behind a proxy the request URL may be internal). */
  const htu = (request: Request) => (expectedPath !== undefined && requestTarget(request).pathname === expectedPath ? href! : request.url);

  const report = createReporter({ source: 'createBearerGuard', hook: options.onError, logger: options.logger });
  const refuse = (error: BearerError | DPoPError, scheme?: 'bearer' | 'dpop'): Response => {
    report(error);
    return errorResponse(error, responseOptions(scheme));
  };
  /** A refusal of the token itself, with the guard's reason for it. */
  const invalid = (reason: 'expired' | 'audience', description: string, scheme: 'bearer' | 'dpop') =>
    refuse(new BearerError('invalid_token', description, { cause: new TokenInvalidError(reason, description) }), scheme);

  return async (request) => {
    let raw: string | null;
    let scheme: 'bearer' | 'dpop' = 'bearer';
    try {
      const header = dpop ? request.headers.get('authorization') : null;
      const dpopToken = header !== null && !header.includes(',') ? dpopAccessToken(header) : undefined;
      if (dpopToken !== undefined) {
        if (requestTarget(request).accessTokenInQuery)
          throw new BearerError('invalid_request', 'Credentials were sent in more than one way');
        raw = dpopToken;
        scheme = 'dpop';
      } else {
        raw = extractBearerToken(request);
      }
    } catch (err) {
      return refuse(err as BearerError);
    }
    if (raw === null) {
      return errorResponse(new BearerError('invalid_token', 'Authentication required', { credentialsMissing: true }), responseOptions());
    }
    if (scheme === 'bearer' && dpop?.required) {
      return refuse(new BearerError('invalid_token', 'This resource accepts DPoP-bound access tokens only'), 'dpop');
    }
    let proof: DPoPProof | undefined;
    if (scheme === 'dpop') {
      try {
        proof = await dpop!.verifier.verify({
          proof: request.headers.get('dpop'),
          method: request.method,
          url: htu(request),
          accessToken: raw,
        });
      } catch (err) {
        if (err instanceof DPoPError) return refuse(err, 'dpop');
        report(err);
        return errorResponse(err, responseOptions(scheme)); // a full store: 503
      }
    }
    let token: AccessToken | null;
    try {
      token = await options.verifier.verifyToken(raw);
    } catch (err) {
      report(err);
      // an unreachable upstream is 502 (a client retries; a 401 would send it to sign in again)
      return errorResponse(err instanceof UpstreamError ? err : new Error('verifier failed'), responseOptions(scheme));
    }
    if (token === null) return refuse(new BearerError('invalid_token', 'The access token is invalid or expired'), scheme);
    const jkt = boundKeyThumbprint(token);
    if (scheme === 'bearer' && jkt !== undefined) {
      // RFC 9449 §7.2: a DPoP-bound token is never a bearer token, here or anywhere
      return refuse(
        new BearerError('invalid_token', 'This access token is bound to a DPoP key: present it with the DPoP scheme and a proof'),
        'dpop',
      );
    }
    if (proof !== undefined && jkt !== proof.jkt) {
      return refuse(
        new BearerError(
          'invalid_token',
          jkt === undefined
            ? 'This access token is not bound to a DPoP key'
            : 'The DPoP proof is signed by another key than the one the access token is bound to',
        ),
        scheme,
      );
    }
    if (token.expiresAt !== undefined && token.expiresAt <= now()) return invalid('expired', 'The access token has expired', scheme);
    if (expected !== undefined && !audienceMatches(token, expected)) {
      return invalid('audience', 'The access token was not issued for this resource', scheme);
    }
    if (!hasScopes(token.scopes, required)) {
      return refuse(new BearerError('insufficient_scope', 'The access token lacks a required scope', { scope: required }), scheme);
    }
    if (proof !== undefined) {
      // consumed only now: only the holder of a valid, bound token writes to the store
      try {
        await dpop!.verifier.consume(proof);
      } catch (err) {
        if (err instanceof DPoPError) return refuse(err, 'dpop');
        report(err);
        return errorResponse(err, responseOptions(scheme)); // a full store: 503
      }
    }
    return token;
  };
}
