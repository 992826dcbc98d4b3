/**
 * Reading requests at the authorization-server endpoints: a body read up to a size limit, the
 * content-type check, form and query parameters with duplicate detection, JSON objects.
 *
 * Every failure is reported through `fail(description)`, so each endpoint throws its own error
 * class (`TokenError`, `RegistrationError`, `AuthorizeError`) with `invalid_request`.
 *
 * @module
 */

import { TokenError } from '../errors/errors.js';
import { errorResponse } from '../errors/response.js';
import { reportedErrorResponse, type Reporter } from '../logging/reporter.js';
import { corsHeaders, preflightResponse, type FetchHandler } from '../http/router.js';
import { readLimited } from '../lib/read-limited.js';

/**
 * Builds the error thrown for a malformed request; `status` is set when the answer is not a plain
 * 400 (`413` body too large, `408` body too slow).
 */
export type RequestFailure = (description: string, options?: { status?: number }) => Error;

/** Default largest request body of the form endpoints (authorize POST, token, revoke), in bytes. */
export const DEFAULT_MAX_FORM_BYTES = 16 * 1024;

/**
 * Default deadline for a whole request body to arrive, in milliseconds: a body dripped slowly to
 * hold a connection open is refused with `408` after it (not only after the server's own
 * request timeout, 300 s on Node).
 */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/**
 * Request parameters: each name once, empty values treated as absent (RFC 6749 §3.1), and the
 * names that were sent more than once.
 */
export interface Params {
  get(name: string): string | undefined;
  /** Names sent more than once (their values are not in `get`). */
  readonly duplicates: readonly string[];
}

/** Parse `application/x-www-form-urlencoded` text or a query string. */
export function parseParams(search: string | URLSearchParams): Params {
  const values = new Map<string, string>();
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const [name, value] of typeof search === 'string' ? new URLSearchParams(search) : search) {
    if (seen.has(name)) {
      if (!duplicates.includes(name)) duplicates.push(name);
      values.delete(name);
      continue;
    }
    seen.add(name);
    if (value !== '') values.set(name, value);
  }
  return { get: (name) => (duplicates.includes(name) ? undefined : values.get(name)), duplicates };
}

/** Refuse parameters sent more than once (RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once"). */
export function rejectDuplicates(params: Params, fail: RequestFailure): void {
  if (params.duplicates.length > 0) {
    throw fail(`Parameter${params.duplicates.length > 1 ? 's' : ''} sent more than once: ${params.duplicates.join(', ')}`);
  }
}

/** The media type of the request (`type/subtype`, lower case, parameters dropped), or `''`. */
export function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Read the body as bytes: more than `maxBytes` (declared or actual) fails with status 413, a body
 * not complete within `timeoutMs` with 408, an unreadable one (the client went away) with 400. The
 * stream is cancelled in each case.
 */
export async function readBody(
  request: Request,
  maxBytes: number,
  fail: RequestFailure,
  timeoutMs = DEFAULT_BODY_TIMEOUT_MS,
): Promise<Uint8Array> {
  const deadline = AbortSignal.timeout(timeoutMs);
  let bytes: Uint8Array | null;
  try {
    bytes = await readLimited(request.body, request.headers.get('content-length'), maxBytes, deadline);
  } catch {
    if (deadline.aborted) throw fail(`The request body did not arrive within ${timeoutMs} ms`, { status: 408 });
    throw fail('The request body could not be read');
  }
  if (bytes === null) throw fail(`Request body larger than ${maxBytes} bytes`, { status: 413 });
  return bytes;
}

function decodeUtf8(bytes: Uint8Array, fail: RequestFailure): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('The request body is not valid UTF-8');
  }
}

/**
 * Read an `application/x-www-form-urlencoded` body (RFC 6749 §3.2) up to `maxBytes`. A missing
 * or different content type fails.
 *
 * @example
 * ```ts
 * const params = await readForm(request, DEFAULT_MAX_FORM_BYTES, (d) => new TokenError('invalid_request', d));
 * rejectDuplicates(params, fail);
 * ```
 */
export async function readForm(request: Request, maxBytes: number, fail: RequestFailure, timeoutMs?: number): Promise<Params> {
  if (mediaType(request) !== 'application/x-www-form-urlencoded') {
    await request.body?.cancel().catch(() => undefined);
    throw fail('Content-Type must be application/x-www-form-urlencoded');
  }
  return parseParams(decodeUtf8(await readBody(request, maxBytes, fail, timeoutMs), fail));
}

/** Read an `application/json` body holding one JSON object, up to `maxBytes`. */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
  fail: RequestFailure,
  timeoutMs?: number,
): Promise<Record<string, unknown>> {
  if (mediaType(request) !== 'application/json') {
    await request.body?.cancel().catch(() => undefined);
    throw fail('Content-Type must be application/json');
  }
  const text = decodeUtf8(await readBody(request, maxBytes, fail, timeoutMs), fail);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail('The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('The request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** The 405 answer for a method an endpoint does not serve, with `Allow`. */
export function methodNotAllowed(methods: readonly string[], headers?: Record<string, string>): Response {
  return errorResponse(new TokenError('invalid_request', 'Method not allowed'), {
    status: 405,
    headers: { ...headers, Allow: methods.join(', ') },
  });
}

const FORM_CORS = corsHeaders(['POST']);
const invalidTokenRequest: RequestFailure = (description, options) => new TokenError('invalid_request', description, options);

/**
 * A `POST` endpoint taking a form (token, revocation): CORS with a preflight, 405 for other
 * methods, the body read within `maxBodyBytes` and parameters sent twice refused, and every error
 * answered by `errorResponse` (with `WWW-Authenticate: Basic` after a failed Basic authentication).
 */
export function formEndpoint(
  options: { maxBodyBytes: number; bodyTimeoutMs: number; report: Reporter },
  handle: (request: Request, params: Params) => Promise<Response>,
): FetchHandler {
  return async (request) => {
    if (request.method === 'OPTIONS') return preflightResponse(['POST']);
    if (request.method !== 'POST') return methodNotAllowed(['POST', 'OPTIONS'], FORM_CORS);
    try {
      const params = await readForm(request, options.maxBodyBytes, invalidTokenRequest, options.bodyTimeoutMs);
      rejectDuplicates(params, invalidTokenRequest);
      const response = await handle(request, params);
      for (const [k, v] of Object.entries(FORM_CORS)) response.headers.set(k, v);
      return response;
    } catch (err) {
      return reportedErrorResponse(options.report, err, { headers: FORM_CORS, basicAuthAttempted: request.headers.has('authorization') });
    }
  };
}
