import { requestTarget } from './request-target.js';

/** A Fetch API request handler: runs unchanged on Node, Bun, Deno, Workers, Hono, Next.js. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** One route an auth provider serves: a path on this server and its handler. */
export interface Route {
  /** Absolute path, matched exactly (for example `/.well-known/oauth-protected-resource/mcp`). */
  path: string;
  handler: FetchHandler;
}

/**
 * Dispatch a request to the route whose path equals the request's path; `null` when none
 * matches, so the caller can fall through to its own routing.
 *
 * @example
 * ```ts
 * const response = (await routeRequest(auth.routes, request)) ?? (await mcp.fetch(request));
 * ```
 */
export async function routeRequest(routes: readonly Route[], request: Request): Promise<Response | null> {
  const { pathname } = requestTarget(request);
  const route = routes.find((r) => r.path === pathname);
  return route ? route.handler(request) : null;
}

/**
 * One Fetch handler for a set of routes, answering 404 for any other path.
 *
 * @example
 * ```ts
 * export default { fetch: createRouter(auth.routes) };
 * ```
 */
export function createRouter(routes: readonly Route[], fallback?: FetchHandler): FetchHandler {
  return async (request) =>
    (await routeRequest(routes, request)) ??
    (fallback
      ? fallback(request)
      : new Response(JSON.stringify({ error: 'not_found' }), { status: 404, headers: { 'Content-Type': 'application/json' } }));
}

/**
 * CORS headers for public, credential-less JSON endpoints (metadata, register, token, revoke).
 *
 * @example
 * ```ts
 * return jsonResponse(document, 200, corsHeaders(['GET']));
 * ```
 */
export function corsHeaders(methods: readonly string[]): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
    'Access-Control-Allow-Headers': 'Authorization, DPoP, Content-Type, MCP-Protocol-Version',
    // Browser clients must be able to read when to retry (429/503) and a Bearer challenge (401).
    'Access-Control-Expose-Headers': 'Retry-After, WWW-Authenticate, DPoP-Nonce',
    'Access-Control-Max-Age': '86400',
  };
}

/**
 * The answer to a CORS preflight (204 with {@link corsHeaders}).
 *
 * @example
 * ```ts
 * if (request.method === 'OPTIONS') return preflightResponse(['GET']);
 * ```
 */
export function preflightResponse(methods: readonly string[]): Response {
  return new Response(null, { status: 204, headers: corsHeaders(methods) });
}

/**
 * A JSON response.
 *
 * @example
 * ```ts
 * return jsonResponse({ ok: true }, 200, corsHeaders(['GET']));
 * ```
 */
export function jsonResponse(body: unknown, status = 200, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set('Content-Type', 'application/json');
  return new Response(JSON.stringify(body), { status, headers: h });
}
