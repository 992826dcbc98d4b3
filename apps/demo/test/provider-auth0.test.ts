/**
 * The demo with AUTH_PROVIDER=auth0 against the fake Auth0 tenant of @mcpauth/auth0's tests:
 * discovery at start-up, metadata naming the demo as the authorization server, the whole OAuth
 * flow with the MCP SDK v2 client (consent, Auth0 with the audience, callback), and an Auth0
 * token presented directly refused.
 */
import { MemoryOAuthClientProvider } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ID, startFakeAuth0, type FakeAuth0 } from '../../../packages/auth0/test/fake-auth0.js';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4397/callback';
const API = 'https://mcp-demo.example.com/api';

/** An SDK client whose user agent is the demo's scripted browser (approves the consent page). */
class BrowserClient extends MemoryOAuthClientProvider {
  readonly browser = new ScriptedBrowser();
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizations++;
    this.callback = (await this.browser.walk(authorizationUrl, this.redirectUrl)).searchParams;
  }
}

describe('AUTH_PROVIDER=auth0', () => {
  let auth0: FakeAuth0;
  let demo: DemoProcess;
  beforeAll(async () => {
    auth0 = await startFakeAuth0({
      clientId: 'DemoAuth0ClientId0001',
      clientSecret: 'demo-auth0-secret-0123456789abcdef0123',
      callbackUrl: 'http://127.0.0.1/',
      audience: API,
    });
    demo = await startDemo({
      AUTH_PROVIDER: 'auth0',
      AUTH0_DOMAIN: auth0.url,
      AUTH0_CLIENT_ID: auth0.tenant.clientId,
      AUTH0_CLIENT_SECRET: auth0.tenant.clientSecret,
      AUTH0_AUDIENCE: API,
    });
    auth0.tenant.callbackUrl = `${demo.url}/auth/callback`; // the application's Allowed Callback URL, once the port is known
  });
  afterAll(async () => {
    await demo?.stop();
    await auth0?.close();
  });

  it('discovers the tenant at start-up and names the demo as the authorization server', async () => {
    expect(auth0.requestsTo('discovery').length).toBeGreaterThan(0);
    const md = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(md).toMatchObject({ resource: demo.mcpUrl, authorization_servers: [demo.url] });
  });

  it('signs in through Auth0 (consent, Auth0 with the audience, callback) and serves whoami as the Auth0 user', async () => {
    const provider = new BrowserClient(CLIENT_CALLBACK);
    const first = new Client({ name: 'demo-auth0', version: '1.0.0' });
    await expect(first.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(provider.browser.pages.some((p) => p.url.pathname === '/consent')).toBe(true);
    expect(auth0.requestsTo('authorize').at(-1)?.query.get('audience')).toBe(API);
    await new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }).finishAuth(provider.callback!);
    const client = new Client({ name: 'demo-auth0', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }));
    const who = JSON.parse(((await client.callTool({ name: 'whoami', arguments: {} })).content as { text: string }[])[0]!.text);
    expect(who.principal).toEqual({ clientId: provider.client!.client_id, issuer: demo.url, subject: USER_ID });
    await client.close();
  });

  it('refuses an Auth0 token presented directly (only the demo’s own tokens are accepted)', async () => {
    const res = await fetch(demo.mcpUrl, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await auth0.accessToken()}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata=');
  });
});
