/**
 * The README's demo, end to end: `pnpm --filter demo start` with no configuration (a local OpenID
 * provider behind OIDCProxy), then the MCP SDK v2 client does discovery, dynamic registration, the
 * authorization (a scripted browser approves our consent page and signs in at the local
 * provider), the token exchange, and tool calls, including the 403 insufficient_scope step-up.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callWithOAuth, connectWithOAuth, MemoryOAuthClient } from '../src/client/oauth-client.js';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

// The client's redirect URI: loopback, never actually served (the scripted browser stops there).
const REDIRECT_URI = 'http://127.0.0.1:4399/callback';

function json(result: { content?: unknown }): Record<string, Record<string, unknown>> {
  return JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, Record<string, unknown>>;
}

describe('the demo with no configuration (local OpenID provider + OIDCProxy)', () => {
  let demo: DemoProcess;
  let browser: ScriptedBrowser;
  let oauth: MemoryOAuthClient;
  let client: Client;

  beforeAll(async () => {
    demo = await startDemo({ DEMO_ADMINS: 'alice' });
    browser = new ScriptedBrowser({ login: 'alice' });
    oauth = new MemoryOAuthClient(REDIRECT_URI, (url) => browser.walk(url, REDIRECT_URI), 'Demo e2e test');
  });
  afterAll(async () => {
    await client?.close();
    await demo?.stop();
  });

  it('prints the MCP URL, the metadata URLs and how to connect', () => {
    expect(demo.provider).toBe('local');
    expect(demo.mcpUrl).toBe(`${demo.url}/mcp`);
    const out = demo.output();
    expect(out).toContain(`MCP endpoint            ${demo.mcpUrl}`);
    expect(out).toContain(`${demo.url}/.well-known/oauth-protected-resource/mcp`);
    expect(out).toContain(`${demo.url}/.well-known/oauth-authorization-server`);
    expect(out).toContain('npx @modelcontextprotocol/inspector');
    expect(out).toContain(`pnpm --filter demo client ${demo.mcpUrl}`);
    expect(out).toMatch(/Local OpenID provider: http:\/\/127\.0\.0\.1:\d+/);
  });

  it('serves the home page and the metadata documents', async () => {
    const page = await fetch(`${demo.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    for (const text of ['local', demo.mcpUrl, '/.well-known/oauth-protected-resource/mcp', 'whoami', 'echo', 'admin_status'])
      expect(html).toContain(text);

    const prm = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<
      string,
      Record<string, unknown>
    >;
    expect(prm).toMatchObject({ resource: demo.mcpUrl, authorization_servers: [demo.url] });
    const as = (await (await fetch(`${demo.url}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      Record<string, unknown>
    >;
    expect(as).toMatchObject({ issuer: demo.url, code_challenge_methods_supported: ['S256'] });
    expect(as['registration_endpoint']).toBe(`${demo.url}/register`);
  });

  it('challenges an anonymous MCP request with 401 and the metadata URL', async () => {
    const res = await fetch(demo.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toContain(`resource_metadata="${demo.url}/.well-known/oauth-protected-resource/mcp"`);
    expect(challenge).toContain('scope="mcp:tools"');
  });

  it('lets the MCP SDK client register, get consent and a login, and call whoami', async () => {
    client = await connectWithOAuth(demo.mcpUrl, oauth);

    // The scripted browser went: our consent page → the local provider's login (and its consent) → back.
    const consent = browser.pages[0]!;
    expect(consent.url.origin).toBe(demo.url);
    expect(consent.html).toContain('Demo e2e test');
    expect(consent.submitted.get('decision')).toBe('approve');
    expect(consent.submitted.get('csrf_token')).toBeTruthy();
    expect(browser.pages.some((p) => p.url.origin !== demo.url && p.submitted.get('login') === 'alice')).toBe(true);
    expect(oauth.authorizationUrls[0]!.searchParams.get('scope')).toBe('mcp:tools');

    const who = json(await client.callTool({ name: 'whoami', arguments: {} }));
    expect(who['principal']).toEqual({ clientId: oauth.clientInformation()!.client_id, issuer: demo.url, subject: 'alice' });
    expect(who['scopes']).toEqual(['mcp:tools']);
    expect(who['resource']).toBe(demo.mcpUrl);
    // The identity the proxy got from the local provider's (verified) access token.
    expect(who['claims']?.['upstream_claims']).toMatchObject({ sub: 'alice', name: 'Alice', email: 'alice@example.test' });

    const echo = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    expect((echo.content as { text: string }[])[0]!.text).toBe('hello (from alice)');
  });

  it('answers admin_status without the admin scope with 403 insufficient_scope', async () => {
    const token = (await oauth.tokens())!.access_token;
    const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'admin_status', arguments: {} } };
    const res = await fetch(demo.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify(call),
    });
    expect(res.status).toBe(403);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="insufficient_scope"');
    // every scope the call needs, not the tool's alone (SDK v1 clients ask for exactly this)
    expect(challenge).toContain('scope="mcp:tools admin"');
    expect(challenge).toContain(`resource_metadata="${demo.url}/.well-known/oauth-protected-resource/mcp"`);
  });

  // The SDK registers with the scope of the first challenge (`mcp:tools`) and asks for more on
  // the step-up: the authorization server lets it (a registered scope does not bound requests).
  it('steps up: the SDK client re-authorizes with the admin scope, then admin_status answers', async () => {
    const before = browser.pages.length;
    const status = json(await callWithOAuth(client, oauth, 'admin_status'));
    expect(status['provider']).toBe('local');
    expect(status['scopes']).toEqual(expect.arrayContaining(['mcp:tools', 'admin']));
    // A second authorization asked for the union of the scopes, through the consent page again.
    const stepUp = oauth.authorizationUrls.at(-1)!;
    expect(stepUp.searchParams.get('scope')!.split(' ').sort()).toEqual(['admin', 'mcp:tools']);
    expect(browser.pages.length).toBeGreaterThan(before);
    // And whoami now shows both scopes for the same user.
    const who = json(await client.callTool({ name: 'whoami', arguments: {} }));
    expect(who['principal']?.['subject']).toBe('alice');
    expect(who['scopes']).toEqual(expect.arrayContaining(['mcp:tools', 'admin']));
  });

  it('by default allows loopback redirect URIs only: the claude.ai registration body is refused', async () => {
    const res = await fetch(`${demo.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Claude',
        redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_redirect_uri');
  });

  it('never prints a token or the upstream client secret', () => {
    const out = demo.output();
    expect(out).not.toContain((oauth.tokens() as { access_token: string }).access_token);
    expect(out).not.toMatch(/client_secret|refresh_token/i);
  });
});

describe('the admin scope goes to the configured admins only (DEMO_ADMINS, default "admin")', () => {
  let demo: DemoProcess;
  let client: Client | undefined;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(async () => {
    await client?.close();
    await demo?.stop();
  });

  it('a user who is not an admin approves the step-up but gets no admin scope', async () => {
    const browser = new ScriptedBrowser({ login: 'bob' });
    const oauth = new MemoryOAuthClient(REDIRECT_URI, (url) => browser.walk(url, REDIRECT_URI), 'Demo e2e test');
    client = await connectWithOAuth(demo.mcpUrl, oauth);
    await expect(callWithOAuth(client, oauth, 'admin_status')).rejects.toThrow();
    // The step-up asked for the admin scope and bob approved it; the token still lacks it.
    expect(oauth.authorizationUrls.at(-1)!.searchParams.get('scope')!.split(' ')).toContain('admin');
    const who = json(await client.callTool({ name: 'whoami', arguments: {} }));
    expect(who['principal']?.['subject']).toBe('bob');
    expect(who['scopes']).toEqual(['mcp:tools']);
  });

  it('the user named in DEMO_ADMINS gets it', async () => {
    const browser = new ScriptedBrowser({ login: 'admin' });
    const oauth = new MemoryOAuthClient(REDIRECT_URI, (url) => browser.walk(url, REDIRECT_URI), 'Demo e2e test');
    const admin = await connectWithOAuth(demo.mcpUrl, oauth);
    try {
      const status = json(await callWithOAuth(admin, oauth, 'admin_status'));
      expect(status['scopes']).toEqual(expect.arrayContaining(['mcp:tools', 'admin']));
    } finally {
      await admin.close();
    }
  });
});

describe('DEMO_ALLOWED_REDIRECT_URIS', () => {
  // The registration body claude.ai sends (https://claude.com/docs/connectors/building/authentication).
  const claude = {
    client_name: 'Claude',
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
  };
  const register = (url: string, body: object) =>
    fetch(`${url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  let demo: DemoProcess | undefined;
  afterAll(async () => {
    await demo?.stop();
  });

  it('"known" plus a custom URI: claude.ai registers, and so does a custom callback; others are dropped', async () => {
    demo = await startDemo({ DEMO_ALLOWED_REDIRECT_URIS: 'known, https://my.app/cb' });
    const res = await register(demo.url, claude);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { redirect_uris: string[] }).redirect_uris).toEqual(claude.redirect_uris);
    const mixed = await register(demo.url, { ...claude, redirect_uris: ['https://my.app/cb', 'https://elsewhere.example/cb'] });
    expect(mixed.status).toBe(201);
    expect(((await mixed.json()) as { redirect_uris: string[] }).redirect_uris).toEqual(['https://my.app/cb']);
  });
});
