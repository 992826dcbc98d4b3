/**
 * An MCP server (SDK v2) behind an OAuth proxy over real HTTP, the oidc-provider upstream, and the
 * scripted MCP SDK client of `@mcpauth/testing` (consent page and upstream login scripted).
 */
import { ScriptedOAuthClient, listen, type Listening, type OidcHarness } from '@mcpauth/testing';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { routeRequest, type FetchHandler } from '../../src/index.js';
import { toAuthInfo } from '../../src/mcp.js';
import { toNodeHandler } from '../../src/node.js';
import type { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { startUpstream, type UpstreamHarnessOptions } from './helpers.js';

export const CLIENT_CALLBACK = 'http://127.0.0.1:4399/callback';

export interface ProxyStack {
  url: string;
  mcpUrl: string;
  h: OidcHarness;
  proxy: OAuthProxy;
  /** Serve another proxy instance from now on (a restart). */
  swap(proxy: OAuthProxy): void;
  close(): Promise<void>;
}

/** Serve `makeProxy(url, upstream)` and an MCP server with a `whoami` tool on one loopback port. */
export async function startProxyStack(
  makeProxy: (url: string, h: OidcHarness) => OAuthProxy | Promise<OAuthProxy>,
  upstream: UpstreamHarnessOptions = {},
): Promise<ProxyStack> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server: Listening = await listen(toNodeHandler((request) => app(request)));
  const h = await startUpstream(`${server.url}/auth/callback`, upstream);
  let proxy = await makeProxy(server.url, h);
  const mcp = createMcpHandler(() => {
    const mcpServer = new McpServer({ name: 'proxy-e2e', version: '1.0.0' });
    mcpServer.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      return {
        content: [
          { type: 'text', text: JSON.stringify({ clientId: info?.clientId, subject: info?.extra?.['subject'], scopes: info?.scopes }) },
        ],
      };
    });
    return mcpServer;
  });
  app = async (request) => {
    const routed = await routeRequest(proxy.routes, request);
    if (routed) return routed;
    if (new URL(request.url).pathname !== '/mcp') return new Response('not found', { status: 404 });
    const token = await proxy.guard(request);
    if (token instanceof Response) return token;
    return mcp.fetch(request, { authInfo: toAuthInfo(token) });
  };
  return {
    url: server.url,
    mcpUrl: `${server.url}/mcp`,
    h,
    get proxy() {
      return proxy;
    },
    swap(next) {
      proxy = next;
    },
    close: async () => {
      await mcp.close();
      await server.close();
      await h.close();
    },
  };
}

/** The MCP SDK client of these tests: its browser approves (or denies) and signs in upstream as alice. */
export function scriptedClient(h: OidcHarness, decision: 'approve' | 'deny' = 'approve'): ScriptedOAuthClient {
  return new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK, upstreamOrigin: h.issuer, login: (url) => h.login(url), decision });
}

/** Register a public client through `/register` (RFC 7591). */
export async function registerOverHttp(stack: ProxyStack, metadata: Record<string, unknown> = {}): Promise<{ client_id: string }> {
  const res = await fetch(`${stack.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'HTTP client',
      redirect_uris: [CLIENT_CALLBACK],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      ...metadata,
    }),
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { client_id: string };
}

/**
 * Authorization over HTTP up to the client's code: authorize (with optional `scope`, `resource`
 * and any `extra` parameters) → consent → upstream login → callback. Returns the code and the
 * PKCE verifier to redeem it with.
 */
export async function codeOverHttp(
  stack: ProxyStack,
  clientId: string,
  params: { scope?: string; resource?: string; extra?: Record<string, string> } = {},
): Promise<{ code: string; verifier: string }> {
  const { pkceChallenge, randomToken } = await import('../../src/lib/crypto.js');
  const verifier = randomToken(48);
  const url = new URL(`${stack.url}/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', CLIENT_CALLBACK);
  url.searchParams.set('code_challenge', await pkceChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', 'http-state');
  if (params.scope !== undefined) url.searchParams.set('scope', params.scope);
  if (params.resource !== undefined) url.searchParams.set('resource', params.resource);
  for (const [k, v] of Object.entries(params.extra ?? {})) url.searchParams.set(k, v);
  const browser = scriptedClient(stack.h);
  await browser.redirectToAuthorization(url);
  const code = browser.callback?.get('code');
  if (!code) throw new Error(`no code: ${browser.callback}`);
  return { code, verifier };
}

/**
 * The whole authorization over HTTP with optional `scope` and `resource` (omitted when
 * undefined): authorize → consent → upstream login → callback → `/token`. Returns the token
 * endpoint's response.
 */
export async function authorizeOverHttp(
  stack: ProxyStack,
  clientId: string,
  params: { scope?: string; resource?: string; tokenResource?: string } = {},
): Promise<Response> {
  const { code, verifier } = await codeOverHttp(stack, clientId, params);
  return redeemOverHttp(stack, clientId, code, verifier, { resource: params.tokenResource });
}

/** Redeem a code at the proxy's `/token` (a public client), with an optional `resource` and extra headers (a `DPoP` proof). */
export function redeemOverHttp(
  stack: ProxyStack,
  clientId: string,
  code: string,
  verifier: string,
  options: { resource?: string | undefined; headers?: Record<string, string> } = {},
): Promise<Response> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: CLIENT_CALLBACK,
    client_id: clientId,
  });
  if (options.resource !== undefined) body.set('resource', options.resource);
  return fetch(`${stack.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    body,
  });
}
