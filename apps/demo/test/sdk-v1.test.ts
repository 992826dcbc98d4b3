/**
 * The demo driven by the MCP SDK v1 client (`@modelcontextprotocol/sdk` 1.x, what most MCP clients
 * in use today are built on): discovery, dynamic registration, consent, login, token, tool calls
 * and the step-up to the admin scope.
 *
 * SDK v1 re-authorizes on a 403 `insufficient_scope` with the challenge's `scope` *alone*: the
 * demo's challenge names every scope the call needs (`mcp:tools admin`), so the new token works
 * for every tool. A v1 client holding a refresh token refreshes instead of re-authorizing (a
 * refresh cannot add a scope); the challenge told the proxy (`requireToolScopes` →
 * `noteInsufficientScope`), which refuses that refresh with `invalid_grant`, and v1 then drops its
 * tokens and authorizes again with the challenge's scope.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const REDIRECT_URI = 'http://127.0.0.1:4398/callback';

/** An SDK v1 `OAuthClientProvider` in memory; the scripted browser walks the authorization pages. */
class V1Client implements OAuthClientProvider {
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  pending: Promise<URL> | undefined;
  readonly authorizationUrls: URL[] = [];

  constructor(
    private readonly browser: ScriptedBrowser,
    private readonly grantTypes: string[],
  ) {}

  get redirectUrl() {
    return REDIRECT_URI;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK v1 client',
      redirect_uris: [REDIRECT_URI],
      grant_types: this.grantTypes,
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'client') this.#client = undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
    this.pending = this.browser.walk(url, REDIRECT_URI);
    this.pending.catch(() => undefined);
  }
}

async function finish(oauth: V1Client, transport: StreamableHTTPClientTransport): Promise<void> {
  const callback = await oauth.pending!;
  oauth.pending = undefined;
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`authorization failed: ${callback.href}`);
  await transport.finishAuth(code);
}

async function expectConnected(mcpUrl: string, oauth: V1Client): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: oauth });
  await expect(new Client({ name: 'v1', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  await finish(oauth, first);
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: oauth });
  const client = new Client({ name: 'v1', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

function json(result: unknown): Record<string, Record<string, unknown>> {
  return JSON.parse((result as { content: { text: string }[] }).content[0]!.text) as Record<string, Record<string, unknown>>;
}

describe('the demo with the MCP SDK v1 client', () => {
  let demo: DemoProcess;
  beforeAll(async () => {
    demo = await startDemo({ DEMO_ADMINS: 'alice' });
  });
  afterAll(() => demo?.stop());

  it('signs in, calls tools, steps up to the admin scope and keeps the other tools (no refresh token)', async () => {
    const oauth = new V1Client(new ScriptedBrowser({ login: 'alice' }), ['authorization_code']);
    const { client, transport } = await expectConnected(demo.mcpUrl, oauth);
    expect(oauth.tokens()?.refresh_token).toBeUndefined();
    expect(json(await client.callTool({ name: 'whoami', arguments: {} }))['scopes']).toEqual(['mcp:tools']);

    // The step-up: v1 re-authorizes with the challenge's scope, which names everything needed.
    await expect(client.callTool({ name: 'admin_status', arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);
    expect(oauth.authorizationUrls.at(-1)!.searchParams.get('scope')).toBe('mcp:tools admin');
    await finish(oauth, transport);
    const status = json(await client.callTool({ name: 'admin_status', arguments: {} }));
    expect(status['scopes']).toEqual(['mcp:tools', 'admin']);
    // whoami (which needs mcp:tools) still works with the new token.
    const who = json(await client.callTool({ name: 'whoami', arguments: {} }));
    expect(who['principal']?.['subject']).toBe('alice');
    await client.close();
  });

  it('with a refresh token: v1 refreshes first, the proxy refuses that refresh after the challenge, v1 re-authorizes and steps up', async () => {
    const oauth = new V1Client(new ScriptedBrowser({ login: 'alice' }), ['authorization_code', 'refresh_token']);
    const { client, transport } = await expectConnected(demo.mcpUrl, oauth);
    const first = oauth.tokens()!;
    expect(first.refresh_token).toBeDefined();

    await expect(client.callTool({ name: 'admin_status', arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);
    // v1 dropped its tokens after the refused refresh and started a new authorization with the challenge's scope
    expect(oauth.authorizationUrls).toHaveLength(2);
    expect(oauth.authorizationUrls[1]!.searchParams.get('scope')).toBe('mcp:tools admin');
    await finish(oauth, transport);
    expect(json(await client.callTool({ name: 'admin_status', arguments: {} }))['scopes']).toEqual(['mcp:tools', 'admin']);
    expect(oauth.tokens()!.refresh_token).not.toBe(first.refresh_token);
    await client.close();
  });

  it('a user who is not an admin still gets no admin scope, and v1 stops after one round', async () => {
    const oauth = new V1Client(new ScriptedBrowser({ login: 'bob' }), ['authorization_code', 'refresh_token']);
    const { client, transport } = await expectConnected(demo.mcpUrl, oauth);
    await expect(client.callTool({ name: 'admin_status', arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);
    await finish(oauth, transport);
    await expect(client.callTool({ name: 'admin_status', arguments: {} })).rejects.toThrow(/403/);
    expect(json(await client.callTool({ name: 'whoami', arguments: {} }))['scopes']).toEqual(['mcp:tools']);
    await client.close();
  });
});
