/**
 * The demo with AUTH_PROVIDER=aws against the fake Cognito user pool of @mcpauth/aws's tests:
 * discovery at start-up (region from the pool id, an emulator URL), metadata naming the demo as
 * the authorization server, the whole OAuth flow with the MCP SDK v2 client (consent, Cognito,
 * callback), and a Cognito token presented directly refused.
 */
import { MemoryOAuthClientProvider } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_SUB, startFakeCognito, type FakeCognito } from '../../../packages/aws/test/fake-cognito.js';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4396/callback';

/** An SDK client whose user agent is the demo's scripted browser (approves the consent page). */
class BrowserClient extends MemoryOAuthClientProvider {
  readonly browser = new ScriptedBrowser();
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizations++;
    this.callback = (await this.browser.walk(authorizationUrl, this.redirectUrl)).searchParams;
  }
}

describe('AUTH_PROVIDER=aws', () => {
  let cognito: FakeCognito;
  let demo: DemoProcess;
  beforeAll(async () => {
    cognito = await startFakeCognito({
      userPoolId: 'ap-southeast-2_DemoPool1',
      clientId: 'demo1example23456789client',
      clientSecret: 'demo-cognito-secret-0123456789abcdef0123',
      callbackUrl: 'http://127.0.0.1/',
      groups: [],
    });
    demo = await startDemo({
      AUTH_PROVIDER: 'aws',
      COGNITO_USER_POOL_ID: cognito.pool.userPoolId,
      COGNITO_CLIENT_ID: cognito.pool.clientId,
      COGNITO_CLIENT_SECRET: cognito.pool.clientSecret,
      COGNITO_SERVICE_URL: cognito.url,
    });
    cognito.pool.callbackUrl = `${demo.url}/auth/callback`; // the app client's allowed callback URL, once the port is known
  });
  afterAll(async () => {
    await demo?.stop();
    await cognito?.close();
  });

  it('discovers the pool at start-up and names the demo as the authorization server', async () => {
    expect(cognito.requestsTo('discovery')[0]?.path).toBe('/ap-southeast-2_DemoPool1/.well-known/openid-configuration');
    const md = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(md).toMatchObject({ resource: demo.mcpUrl, authorization_servers: [demo.url] });
  });

  it('signs in through Cognito (consent, Cognito, callback) and serves whoami as the Cognito user', async () => {
    const provider = new BrowserClient(CLIENT_CALLBACK);
    const first = new Client({ name: 'demo-aws', version: '1.0.0' });
    await expect(first.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(provider.browser.pages.some((p) => p.url.pathname === '/consent')).toBe(true);
    await new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }).finishAuth(provider.callback!);
    const client = new Client({ name: 'demo-aws', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }));
    const who = JSON.parse(((await client.callTool({ name: 'whoami', arguments: {} })).content as { text: string }[])[0]!.text);
    expect(who.principal).toEqual({ clientId: provider.client!.client_id, issuer: demo.url, subject: USER_SUB });
    await client.close();
  });

  it('refuses a Cognito token presented directly (only the demo’s own tokens are accepted)', async () => {
    const res = await fetch(demo.mcpUrl, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await cognito.accessToken()}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata=');
  });
});
