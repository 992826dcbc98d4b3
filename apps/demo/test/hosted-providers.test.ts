/**
 * The demo with the hosted-IdP providers, against the fakes their packages test with:
 * AUTH_PROVIDER=supabase with a fake Supabase project (tokens signed by its ES256 key), and
 * AUTH_PROVIDER=github with a fake GitHub (GitHub Enterprise Server URL) through the whole
 * OAuth flow with the MCP SDK v2 client.
 */
import { MemoryOAuthClientProvider } from '@mcpauth/testing';
import { Client, InsufficientScopeError, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCTOCAT, startFakeGitHub, type FakeGitHub, type FakeOAuthApp } from '../../../packages/github/test/fake-github.js';
import { startFakeSupabase, type FakeSupabase } from '../../../packages/supabase/test/fake-supabase.js';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4398/callback';

function textOf(result: { content?: unknown }): string {
  return (result.content as { text: string }[])[0]!.text;
}

describe('AUTH_PROVIDER=supabase', () => {
  let supabase: FakeSupabase;
  let demo: DemoProcess;
  beforeAll(async () => {
    supabase = await startFakeSupabase();
    demo = await startDemo({ AUTH_PROVIDER: 'supabase', SUPABASE_PROJECT_URL: supabase.url });
  });
  afterAll(async () => {
    await demo?.stop();
    await supabase?.close();
  });

  it('names Supabase in its metadata and serves whoami for a Supabase token; admin_status needs the admin scope', async () => {
    const md = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(md).toMatchObject({ resource: demo.mcpUrl, authorization_servers: [supabase.issuer] });

    const token = await supabase.sign({ sub: 'b5a1d9f2-0c3e-4b7a-8f61-2d4e9c0a7b13' });
    const client = new Client({ name: 'demo-supabase', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(who.principal).toEqual({
      clientId: '9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d',
      issuer: supabase.issuer,
      subject: 'b5a1d9f2-0c3e-4b7a-8f61-2d4e9c0a7b13',
    });
    expect(await client.callTool({ name: 'admin_status', arguments: {} }).catch((e: unknown) => e)).toBeInstanceOf(InsufficientScopeError);
    await client.close();

    const wrongAudience = await fetch(demo.mcpUrl, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await supabase.sign({ aud: 'anon' })}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(wrongAudience.status).toBe(401);
  });
});

/** An SDK client whose user agent is the demo's scripted browser (approves the consent page). */
class BrowserClient extends MemoryOAuthClientProvider {
  readonly browser = new ScriptedBrowser();
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizations++;
    this.callback = (await this.browser.walk(authorizationUrl, this.redirectUrl)).searchParams;
  }
}

describe('AUTH_PROVIDER=github', () => {
  let github: FakeGitHub;
  let demo: DemoProcess;
  const app: FakeOAuthApp = {
    clientId: 'Ov23liDemoClient0001',
    clientSecret: 'demo-github-secret-0123456789abcdef01',
    callbackUrl: 'http://127.0.0.1/',
    user: OCTOCAT,
  };
  beforeAll(async () => {
    github = await startFakeGitHub(app);
    demo = await startDemo({
      AUTH_PROVIDER: 'github',
      GITHUB_CLIENT_ID: app.clientId,
      GITHUB_CLIENT_SECRET: app.clientSecret,
      GITHUB_ENTERPRISE_URL: github.url,
    });
    app.callbackUrl = `${demo.url}/auth/callback`; // the OAuth app's registered callback, once the port is known
  });
  afterAll(async () => {
    await demo?.stop();
    await github?.close();
  });

  it('signs in through GitHub (consent, GitHub, callback) and serves whoami as the GitHub user', async () => {
    const provider = new BrowserClient(CLIENT_CALLBACK);
    const first = new Client({ name: 'demo-github', version: '1.0.0' });
    await expect(first.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(provider.browser.pages.some((p) => p.url.pathname === '/consent')).toBe(true);
    expect(provider.callback?.get('code')).toBeTruthy();
    await new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }).finishAuth(provider.callback!);
    const client = new Client({ name: 'demo-github', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }));
    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(who.principal).toEqual({ clientId: provider.client!.client_id, issuer: demo.url, subject: String(OCTOCAT.id) });
    expect(github.requests.some((r) => r.path === '/api/v3/user')).toBe(true);
    await client.close();
  });
});
