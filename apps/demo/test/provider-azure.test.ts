/**
 * The demo with AUTH_PROVIDER=azure against the fake Entra ID of @mcpauth/azure's tests: it
 * starts, serves its metadata, refuses a bad token, and completes the sign-in with the MCP SDK v2
 * client (consent, Entra with the prefixed scope, callback) to call a tool as the Entra user.
 */
import { MemoryOAuthClientProvider, signInWithOAuth } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADELE, CONTOSO, startFakeEntra, type FakeEntra } from '../../../packages/azure/test/fake-entra.js';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4397/callback';

/** An SDK client whose user agent is the demo's scripted browser (approves the consent page). */
class BrowserClient extends MemoryOAuthClientProvider {
  readonly browser = new ScriptedBrowser();
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizations++;
    this.callback = (await this.browser.walk(authorizationUrl, this.redirectUrl)).searchParams;
  }
}

describe('AUTH_PROVIDER=azure', () => {
  let entra: FakeEntra;
  let demo: DemoProcess;
  beforeAll(async () => {
    entra = await startFakeEntra();
    demo = await startDemo({
      AUTH_PROVIDER: 'azure',
      AZURE_CLIENT_ID: entra.app.clientId,
      AZURE_CLIENT_SECRET: entra.app.clientSecret,
      AZURE_TENANT_ID: CONTOSO,
      AZURE_AUTHORITY: entra.url,
      AZURE_SCOPES: 'notes.read',
    });
    entra.app.redirectUri = `${demo.url}/auth/callback`; // registered once the port is known
  });
  afterAll(async () => {
    await demo?.stop();
    await entra?.close();
  });

  it('serves its metadata and refuses a bad token', async () => {
    const md = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(md).toMatchObject({ resource: demo.mcpUrl, authorization_servers: [demo.url] });
    const as = (await (await fetch(`${demo.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as['issuer']).toBe(demo.url);
    // An Entra token is not this server's token: refused.
    const res = await fetch(demo.mcpUrl, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await entra.sign()}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata=');
  });

  it('signs in through Entra (consent, prefixed scope, callback) and serves whoami as the Entra user', async () => {
    const provider = new BrowserClient(CLIENT_CALLBACK);
    const client = await signInWithOAuth(demo.mcpUrl, provider, 'demo-azure');
    expect(provider.browser.pages.some((p) => p.url.pathname === '/consent')).toBe(true);
    const authorize = entra.requests.find((r) => r.path === `/${CONTOSO}/oauth2/v2.0/authorize`)!;
    expect(authorize.query.get('scope')?.split(' ')).toContain(`${entra.app.identifierUri}/notes.read`);
    const who = JSON.parse(
      ((await client.callTool({ name: 'whoami', arguments: {} })) as { content: { text: string }[] }).content[0]!.text,
    );
    expect(who.principal).toEqual({ clientId: provider.client!.client_id, issuer: demo.url, subject: `pairwise-${ADELE.oid.slice(-12)}` });
    await client.close();
  });
});
