/**
 * An MCP server (SDK v2) behind an OAuth proxy over real HTTP, the oidc-provider upstream, and a
 * headless MCP SDK client whose "browser" scripts the consent page and the upstream login.
 */
import { CookieJar, listen, parseForm, type Listening, type OidcHarness, type OidcHarnessOptions } from '@auth/testing';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthClientProvider, OAuthDiscoveryState, OAuthTokens } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { routeRequest, type FetchHandler } from '../../src/index.js';
import { toAuthInfo } from '../../src/mcp.js';
import { toNodeHandler } from '../../src/node.js';
import type { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { startUpstream } from './helpers.js';

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
  upstream: OidcHarnessOptions = {},
): Promise<ProxyStack> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server: Listening = await listen(toNodeHandler((request) => app(request)));
  const h = await startUpstream(`${server.url}/auth/callback`, upstream);
  let proxy = await makeProxy(server.url, h);
  const mcp = createMcpHandler(() => {
    const mcpServer = new McpServer({ name: 'proxy-e2e', version: '1.0.0' });
    mcpServer.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      return { content: [{ type: 'text', text: JSON.stringify({ clientId: info?.clientId, subject: info?.extra?.['subject'], scopes: info?.scopes }) }] };
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

/** What the scripted user does on the consent page. */
export type ConsentScript = 'approve' | 'deny';

/**
 * An OAuthClientProvider whose browser follows the authorization URL: the proxy's authorize
 * endpoint, its consent page (scripted), the upstream login and consent (scripted by the
 * oidc-provider harness), and the proxy's callback; it keeps the final redirect's parameters.
 */
export class ScriptedBrowserClient implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  discovery: OAuthDiscoveryState | undefined;
  callback: URLSearchParams | undefined;
  readonly jar = new CookieJar();

  constructor(
    private readonly h: OidcHarness,
    private readonly consent: ConsentScript = 'approve',
    private readonly metadata: Partial<OAuthClientMetadata> = {},
  ) {}

  get redirectUrl(): string {
    return CLIENT_CALLBACK;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Scripted MCP Client',
      redirect_uris: [CLIENT_CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.metadata,
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'client') this.client = undefined;
  }

  async #get(url: string | URL): Promise<Response> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this.jar.header(), 'sec-fetch-site': 'none' } });
    this.jar.store(res);
    return res;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    // Our authorize endpoint → the consent page.
    const authorize = await this.#get(authorizationUrl);
    if (authorize.status !== 302) throw new Error(`authorize answered ${authorize.status}: ${await authorize.text()}`);
    const consentUrl = new URL(authorize.headers.get('location')!, authorizationUrl).href;
    const page = await this.#get(consentUrl);
    const form = parseForm(await page.text(), consentUrl);
    if (!form) throw new Error(`no consent form (${page.status})`);
    form.fields.set('decision', this.consent);
    const decided = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.jar.header(), origin: new URL(consentUrl).origin },
      body: form.fields,
    });
    this.jar.store(decided);
    let next = new URL(decided.headers.get('location')!);
    if (next.origin === this.h.issuer) {
      // The upstream login and consent, then our callback.
      const callback = await this.h.login(next);
      const back = await this.#get(callback);
      if (back.status !== 302) throw new Error(`callback answered ${back.status}: ${await back.text()}`);
      next = new URL(back.headers.get('location')!);
    }
    if (`${next.origin}${next.pathname}` !== CLIENT_CALLBACK) throw new Error(`unexpected redirect ${next.href}`);
    this.callback = next.searchParams;
  }
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
 * The whole authorization over HTTP with optional `scope` and `resource` (omitted when
 * undefined): authorize → consent → upstream login → callback → `/token`. Returns the token
 * endpoint's response.
 */
export async function authorizeOverHttp(
  stack: ProxyStack,
  clientId: string,
  params: { scope?: string; resource?: string; tokenResource?: string } = {},
): Promise<Response> {
  const { pkceChallenge, randomToken } = await import('../../src/index.js');
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
  const browser = new ScriptedBrowserClient(stack.h);
  await browser.redirectToAuthorization(url);
  const code = browser.callback?.get('code');
  if (!code) throw new Error(`no code: ${browser.callback}`);
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CLIENT_CALLBACK, client_id: clientId });
  if (params.tokenResource !== undefined) body.set('resource', params.tokenResource);
  return fetch(`${stack.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}
