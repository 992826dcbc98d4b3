/**
 * The demo with the WorkOS providers, against the fake WorkOS of `@mcpauth/workos`'s tests:
 * AUTH_PROVIDER=authkit (AuthKit's JWTs, signed by the fake's key, audience the demo's MCP URL)
 * and AUTH_PROVIDER=workos (the OAuth proxy, through the whole flow with the MCP SDK v2 client).
 */
import { Client, InsufficientScopeError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { pingMcp } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEROY, startFakeWorkOS, type FakeConnectApp, type FakeWorkOS } from '../../../packages/workos/test/fake-workos.js';
import { callWithOAuth, connectWithOAuth, MemoryOAuthClient } from '../src/client/oauth-client.js';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4396/callback';

function textOf(result: { content?: unknown }): string {
  return (result.content as { text: string }[])[0]!.text;
}

const ping = pingMcp;

describe('AUTH_PROVIDER=authkit', () => {
  let workos: FakeWorkOS;
  let demo: DemoProcess;
  beforeAll(async () => {
    workos = await startFakeWorkOS();
    demo = await startDemo({ AUTH_PROVIDER: 'authkit', WORKOS_AUTHKIT_DOMAIN: workos.url });
  });
  afterAll(async () => {
    await demo?.stop();
    await workos?.close();
  });

  it('names AuthKit in its metadata, forwards AuthKit metadata, serves whoami for an AuthKit token; a WorkOS permission opens admin_status', async () => {
    const md = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(md).toMatchObject({ resource: demo.mcpUrl, authorization_servers: [workos.issuer] });
    expect(await (await fetch(`${demo.url}/.well-known/oauth-authorization-server`)).json()).toEqual(workos.metadata);

    const token = await workos.sign({ aud: demo.mcpUrl, client_id: 'client_01JX0DEMOCLIENT' });
    const client = new Client({ name: 'demo-authkit', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(who.principal).toEqual({ clientId: 'client_01JX0DEMOCLIENT', issuer: workos.issuer, subject: LEROY.sub });
    expect(await client.callTool({ name: 'admin_status', arguments: {} }).catch((e: unknown) => e)).toBeInstanceOf(InsufficientScopeError);
    await client.close();

    const admin = new Client({ name: 'demo-authkit', version: '1.0.0' });
    const adminToken = await workos.sign({ aud: demo.mcpUrl, role: 'admin', permissions: ['admin'] });
    await admin.connect(
      new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${adminToken}` } } }),
    );
    expect(textOf(await admin.callTool({ name: 'admin_status', arguments: {} }))).toContain('authkit');
    await admin.close();
  });

  it('refuses a token made out for another audience (no resource indicator) or issuer', async () => {
    expect((await ping(demo.mcpUrl, await workos.sign({ aud: 'client_01JX0DEMOCLIENT' }))).status).toBe(401);
    expect((await ping(demo.mcpUrl, await workos.sign({ aud: demo.mcpUrl, iss: 'https://other.authkit.app' }))).status).toBe(401);
  });
});

describe('AUTH_PROVIDER=workos', () => {
  let workos: FakeWorkOS;
  let demo: DemoProcess;
  const app: FakeConnectApp = {
    clientId: 'client_01JQDEMOCONNECTAPP0000001',
    clientSecret: 'demo-workos-secret-0123456789abcdef0123456789',
    redirectUri: 'http://127.0.0.1/',
  };
  beforeAll(async () => {
    workos = await startFakeWorkOS(app);
    demo = await startDemo({
      AUTH_PROVIDER: 'workos',
      WORKOS_CLIENT_ID: app.clientId,
      WORKOS_CLIENT_SECRET: app.clientSecret,
      WORKOS_AUTHKIT_DOMAIN: workos.url,
      DEMO_ADMINS: LEROY.email,
    });
    app.redirectUri = `${demo.url}/auth/callback`; // the application's registered redirect URI, once the port is known
  });
  afterAll(async () => {
    await demo?.stop();
    await workos?.close();
  });

  it('signs in through AuthKit (consent, AuthKit, callback) and serves whoami as the WorkOS user', async () => {
    const browser = new ScriptedBrowser();
    const oauth = new MemoryOAuthClient(CLIENT_CALLBACK, (url) => browser.walk(url, CLIENT_CALLBACK), 'Demo WorkOS test');
    const client = await connectWithOAuth(demo.mcpUrl, oauth);
    expect(browser.pages.some((p) => p.url.pathname === '/consent')).toBe(true);
    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(who.principal).toEqual({ clientId: oauth.clientInformation()!.client_id, issuer: demo.url, subject: LEROY.sub });
    const authorize = workos.requests.find((r) => r.path === '/oauth2/authorize')!;
    expect(authorize.query.get('scope')).toBe('openid profile email offline_access');
    expect(workos.requests.some((r) => r.path === '/oauth2/userinfo')).toBe(true);
    // step-up: the admin scope is granted to the user DEMO_ADMINS names by the email WorkOS released
    const status = JSON.parse(textOf(await callWithOAuth(client, oauth, 'admin_status')));
    expect(status.scopes).toEqual(expect.arrayContaining(['mcp:tools', 'admin']));
    await client.close();
  });

  it('refuses a bad token with 401 and the resource metadata challenge', async () => {
    const res = await ping(demo.mcpUrl, 'not-a-token');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${demo.url}/.well-known/oauth-protected-resource/mcp"`);
  });
});
