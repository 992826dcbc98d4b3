import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessToken } from '../protocols/access-token.js';
import { setClientAddress } from '../http/client-address.js';
import type { FetchHandler } from '../http/router.js';
import type { BearerGuard } from '../resource-server/bearer-guard.js';
import { nodeBody, type NodeBody } from './node-body.js';

/** Options of the Node adapters. */
export interface NodeAdapterOptions {
  /**
   * The public origin of this server (`https://api.example.com`). Request URLs are built on it.
   * Without it, `http://` plus the `Host` header is used: set it in production behind a proxy.
   */
  baseUrl?: string | URL | undefined;
}

declare global {
  // Express merges this interface into its `Request` (`@types/express-serve-static-core` declares
  // the same global namespace), so `req.auth` is typed after `expressBearerAuth`; without Express
  // installed it is an unused, empty namespace.
  namespace Express {
    interface Request {
      /** The verified access token, set by `expressBearerAuth` (`@mcpauth/core/node`). */
      auth?: AccessToken;
    }
  }
}

type ExpressLikeRequest = IncomingMessage & { body?: unknown; originalUrl?: string; auth?: AccessToken };
type Next = (err?: unknown) => void;

function bodyFromParsed(req: ExpressLikeRequest): BodyInit | undefined {
  const body = req.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body as BodyInit;
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded') && typeof body === 'object') {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    }
    return params.toString();
  }
  return JSON.stringify(body);
}

/**
 * The request's headers as sent, from `rawHeaders`: a header sent twice stays twice (Node's
 * `req.headers` keeps only the first `Authorization`, so `Bearer <valid>` + `Bearer junk` would
 * pass while the reverse is refused; joined, both are refused as malformed).
 */
function rawHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    // HTTP/2 pseudo-headers (":path") are not header names in the Fetch API
    if (name.startsWith(':')) continue;
    try {
      headers.append(name, raw[i + 1]!);
    } catch {
      // a value the Fetch API refuses (control characters) is dropped, not fatal
    }
  }
  return headers;
}

function requestUrl(req: IncomingMessage, options: NodeAdapterOptions): URL {
  const r = req as ExpressLikeRequest;
  const base = options.baseUrl ? new URL(options.baseUrl) : new URL(`http://${req.headers.host ?? 'localhost'}`);
  return new URL(r.originalUrl ?? req.url ?? '/', base);
}

/** A Fetch `Request` for `req`, and the streamed body behind it (when there is one). */
function fetchRequest(req: IncomingMessage, options: NodeAdapterOptions): { request: Request; body: NodeBody | undefined } {
  const r = req as ExpressLikeRequest;
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers: rawHeaders(req) };
  let body: NodeBody | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    if (r.body !== undefined || req.readableEnded) {
      const parsed = bodyFromParsed(r);
      if (parsed !== undefined) init.body = parsed;
    } else {
      body = nodeBody(req);
      init.body = body.stream;
      init.duplex = 'half';
    }
  }
  const request = new Request(requestUrl(req, options), init);
  setClientAddress(request, req.socket?.remoteAddress);
  return { request, body };
}

/**
 * Convert a Node `IncomingMessage` (or an Express request) to a Fetch `Request`. The body is
 * streamed through a bridge that pauses the request under backpressure and detaches from it
 * when the stream is cancelled (a handler refusing an oversized body); when a body parser
 * already consumed it (Express), the parsed body is re-encoded. Headers are taken as sent
 * (`rawHeaders`), so a header sent twice is seen twice. Prefer {@link toNodeHandler}, which also
 * drains and closes what a handler left unread.
 * The socket's remote address is recorded for `clientAddressOf` (registration rate limit).
 *
 * @example
 * ```ts
 * const request = toFetchRequest(req, { baseUrl: 'https://api.example.com' });
 * ```
 */
export function toFetchRequest(req: IncomingMessage, options: NodeAdapterOptions = {}): Request {
  return fetchRequest(req, options).request;
}

/**
 * Write a Fetch `Response` to a Node `ServerResponse`, streaming the body.
 *
 * @example
 * ```ts
 * await writeFetchResponse(res, await handler(toFetchRequest(req)));
 * ```
 */
export async function writeFetchResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve));
    }
  } finally {
    res.end();
  }
}

/**
 * Serve a Fetch handler from `node:http` (also usable as an Express route handler). Errors that
 * escape the handler become a 500 without details.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(toNodeHandler(createRouter(auth.routes))).listen(3000);
 * ```
 */
export function toNodeHandler(
  handler: FetchHandler,
  options: NodeAdapterOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let body: NodeBody | undefined;
    void (async () => {
      let response: Response;
      try {
        const converted = fetchRequest(req, options);
        body = converted.body;
        response = await handler(converted.request);
      } catch {
        response = new Response(JSON.stringify({ error: 'server_error', error_description: 'Internal server error' }), {
          status: 500,
          headers: { 'Content-Type': 'application/json' },
        });
      }
      await writeFetchResponse(res, response);
    })()
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      })
      .finally(() => body?.release());
  };
}

/**
 * Express middleware that requires a bearer token through a guard: on success the verified
 * {@link AccessToken} is put on `req.auth` and `next()` is called; otherwise the guard's 400 /
 * 401 / 403 response is sent.
 *
 * @example
 * ```ts
 * app.post('/mcp', expressBearerAuth(guard), (req, res) => { res.json({ subject: req.auth?.subject }); });
 * ```
 */
export function expressBearerAuth(guard: BearerGuard, options: NodeAdapterOptions = {}) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const r = req as ExpressLikeRequest;
    const request = new Request(requestUrl(req, options), { method: 'GET', headers: rawHeaders(req) });
    guard(request).then(
      async (result) => {
        if (result instanceof Response) return writeFetchResponse(res, result);
        r.auth = result;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

/**
 * Express middleware that serves a set of Fetch routes and passes every other path on with
 * `next()`. Mount it before body parsers so request bodies reach the handlers intact.
 *
 * @example
 * ```ts
 * app.use(expressRoutes(auth.routes));
 * app.use(express.json());
 * ```
 */
export function expressRoutes(routes: readonly { path: string; handler: FetchHandler }[], options: NodeAdapterOptions = {}) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const r = req as ExpressLikeRequest;
    const path = new URL(r.originalUrl ?? req.url ?? '/', 'http://x').pathname;
    const route = routes.find((x) => x.path === path);
    if (!route) {
      next();
      return;
    }
    toNodeHandler(route.handler, options)(req, res);
  };
}
