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
  const proxy = await makeProxy(server.url, h);
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
    proxy,
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
