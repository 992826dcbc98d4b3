import ky, { type KyInstance } from 'ky';
import { UpstreamError } from '../errors/errors.js';
import { readLimited } from '../lib/read-limited.js';

/**
 * How outbound HTTP calls are made. Every package that calls an upstream server accepts these.
 *
 * @example
 * ```ts
 * const http: HttpClientOptions = { timeoutMs: 5_000, maxResponseBytes: 64 * 1024 };
 * ```
 */
export interface HttpClientOptions {
  /** A ky instance to send requests with (its hooks and prefix apply). */
  ky?: KyInstance | undefined;
  /** A fetch implementation, used when no `ky` is given. Defaults to the global `fetch`. */
  fetch?: typeof fetch | undefined;
  /** Timeout of the whole call, in milliseconds. Default 10 000. */
  timeoutMs?: number | undefined;
  /** Largest response body accepted, in bytes. Default 1 MiB. */
  maxResponseBytes?: number | undefined;
  /** Retries on network errors and 5xx/429 (only for idempotent methods). Default 0. */
  retry?: number | undefined;
}

/**
 * The outbound HTTP options among a component's options (which carry others too), with the
 * component's own defaults for the timeout and the size limit: what a verifier passes to
 * {@link sendRequest} or {@link fetchJson}.
 *
 * @example
 * ```ts
 * this.#http = httpClientOptions(options, { timeoutMs: 5_000, maxResponseBytes: 64 * 1024 });
 * ```
 */
export function httpClientOptions(
  options: HttpClientOptions,
  defaults: { timeoutMs: number; maxResponseBytes: number },
): HttpClientOptions {
  return {
    ky: options.ky,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? defaults.maxResponseBytes,
    retry: options.retry,
  };
}

/** One outbound request. */
export interface OutboundRequest {
  method?: 'GET' | 'POST' | 'DELETE' | undefined;
  headers?: Record<string, string> | undefined;
  /** A form body (sent as `application/x-www-form-urlencoded`). */
  form?: URLSearchParams | undefined;
  /** A JSON body. */
  json?: unknown;
}

/** A response read in full, within the size limit. */
export interface OutboundResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The body as text (UTF-8). */
  text(): string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
const decoder = new TextDecoder();

/**
 * Send one outbound request with an explicit timeout, no redirects followed, no retry unless
 * configured, and the body read up to a size limit. Non-2xx statuses are returned, not thrown.
 *
 * Throws {@link UpstreamError} with reason `timeout`, `network`, `redirect` or `too_large` (or the
 * `UpstreamError` an injected `fetch` rejects with, such as `forbidden_address`).
 * It does not check the status or the content type: see {@link fetchJson}.
 *
 * @example
 * ```ts
 * const res = await sendRequest('https://api.github.com/user', { headers: { Authorization: `Bearer ${t}` } }, { timeoutMs: 5000 });
 * if (res.status === 200) console.log(JSON.parse(res.text()));
 * ```
 */
export async function sendRequest(
  url: string | URL,
  request: OutboundRequest = {},
  options: HttpClientOptions = {},
): Promise<OutboundResponse> {
  const client = options.ky ?? ky.create(options.fetch ? { fetch: options.fetch } : {});
  const method = request.method ?? 'GET';
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
  const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
  let body: BodyInit | undefined;
  if (request.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = request.form.toString();
  } else if (request.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(request.json);
  }
  // One deadline for the whole call: headers and body (a server that sends headers, then trickles
  // the body, must not hold us past it).
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const timedOut = (err: unknown) =>
    new UpstreamError('timeout', `Upstream request to ${new URL(url).origin} timed out after ${timeoutMs} ms`, { cause: err });
  let response: Response;
  try {
    response = await client(url, {
      method,
      headers,
      body,
      signal: deadline,
      timeout: timeoutMs,
      retry: method === 'GET' ? { limit: options.retry ?? 0 } : { limit: 0 },
      throwHttpErrors: false,
      redirect: 'manual',
    });
  } catch (err) {
    const name = (err as { name?: string } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError' || deadline.aborted) throw timedOut(err);
    if (err instanceof UpstreamError) throw err; // an injected fetch that refused the request itself
    throw new UpstreamError('network', `Upstream request to ${new URL(url).origin} failed`, { cause: err });
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    throw new UpstreamError('redirect', `Upstream answered with a redirect (${response.status}); redirects are not followed`, {
      status: response.status,
    });
  }
  let bytes: Uint8Array | null;
  try {
    bytes = await readLimited(response.body, response.headers.get('content-length'), maxBytes, deadline);
  } catch (err) {
    if (deadline.aborted) throw timedOut(err);
    throw new UpstreamError('network', 'Reading the upstream response failed', { status: response.status, cause: err });
  }
  if (bytes === null) throw new UpstreamError('too_large', `Upstream response larger than ${maxBytes} bytes`, { status: response.status });
  return { status: response.status, headers: response.headers, body: bytes, text: () => decoder.decode(bytes) };
}

/** Options of {@link fetchJson}. */
export interface FetchJsonOptions extends HttpClientOptions {
  /** Statuses accepted as success. Default `[200]`. */
  okStatuses?: readonly number[] | undefined;
}

/** A successful JSON response. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The parsed body: always a JSON object (never an array or primitive). */
  json: Record<string, unknown>;
}

/**
 * The request step plus the process step of an outbound JSON call: {@link sendRequest}, then
 * the status must be one of `okStatuses`, and the body must be a JSON object. A non-success
 * response whose body is an OAuth error (`{ error, error_description }`) becomes an
 * {@link UpstreamError} with reason `oauth_error` carrying them; other failures have reason
 * `http_status` or `invalid_body`.
 *
 * It does not check the content type (many IdPs send JSON as `text/plain`), nor any field of the
 * body: callers validate what they use.
 *
 * @example
 * ```ts
 * const { json } = await fetchJson('https://idp.example.com/.well-known/openid-configuration', {}, { timeoutMs: 5000 });
 * if (typeof json.jwks_uri !== 'string') throw new TypeError('no jwks_uri');
 * ```
 */
export async function fetchJson(url: string | URL, request: OutboundRequest = {}, options: FetchJsonOptions = {}): Promise<JsonResponse> {
  const res = await sendRequest(url, request, options);
  let parsed: unknown;
  let parseError: unknown;
  try {
    parsed = res.body.length === 0 ? undefined : JSON.parse(res.text());
  } catch (err) {
    parseError = err;
  }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  if (!(options.okStatuses ?? [200]).includes(res.status)) {
    if (isObject && typeof (parsed as Record<string, unknown>)['error'] === 'string') {
      const body = parsed as Record<string, unknown>;
      const description = typeof body['error_description'] === 'string' ? (body['error_description'] as string) : undefined;
      throw new UpstreamError('oauth_error', `Upstream returned ${res.status} ${body['error'] as string}`, {
        status: res.status,
        error: body['error'] as string,
        errorDescription: description,
      });
    }
    throw new UpstreamError('http_status', `Upstream returned HTTP ${res.status}`, { status: res.status });
  }
  if (!isObject) {
    throw new UpstreamError('invalid_body', 'Upstream response is not a JSON object', { status: res.status, cause: parseError });
  }
  return { status: res.status, headers: res.headers, json: parsed as Record<string, unknown> };
}
