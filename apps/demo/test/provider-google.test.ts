/**
 * The demo with AUTH_PROVIDER=google against the fake Google the package tests with
 * (GOOGLE_ENDPOINTS_ORIGIN): it serves the proxy's metadata, refuses a bad token, and signs in
 * through Google with the MCP SDK v2 client.
 */
import { ScriptedOAuthClient } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, startFakeGoogle, type FakeGoogle, type FakeOAuthClient } from '../../../packages/google/test/fake-google.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4397/callback';

describe('AUTH_PROVIDER=google', () => {
  let google: FakeGoogle;
  let demo: DemoProcess;
  const client: FakeOAuthClient = {
    clientId: '1008719970978-demo0000000000000000000000000000.apps.googleusercontent.com',
    clientSecret: 'GOCSPX-demo-google-secret-0123456789abcd',
    redirectUris: [],
    account: ADA,
  };
  beforeAll(async () => {
    google = await startFakeGoogle(client);
    demo = await startDemo({
      AUTH_PROVIDER: 'google',
      GOOGLE_CLIENT_ID: client.clientId,
      GOOGLE_CLIENT_SECRET: client.clientSecret,
      GOOGLE_ENDPOINTS_ORIGIN: google.url,
    });
    client.redirectUris.push(`${demo.url}/auth/callback`); // registered once the port is known
  });
  afterAll(async () => {
    await demo?.stop();
    await google?.close();
  });

  it('serves its own metadata and refuses a token it did not issue (a Google token included)', async () => {
    const prm = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: demo.mcpUrl, authorization_servers: [demo.url] });
    const as = (await (await fetch(`${demo.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as).toMatchObject({ issuer: demo.url, registration_endpoint: `${demo.url}/register` });
    const res = await fetch(demo.mcpUrl, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${google.mint(ADA, client.clientId)}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata=');
  });

  it('signs in through Google (consent, Google, callback) and serves whoami as the Google user', async () => {
    const provider = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK }); // approves the consent page
    const first = new Client({ name: 'demo-google', version: '1.0.0' });
    await expect(first.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(provider.callback?.get('code')).toBeTruthy();
    await new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }).finishAuth(provider.callback!);
    const mcp = new Client({ name: 'demo-google', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(demo.mcpUrl), { authProvider: provider }));
    const who = JSON.parse(((await mcp.callTool({ name: 'whoami', arguments: {} })).content as { text: string }[])[0]!.text);
    expect(who.principal).toEqual({ clientId: provider.client!.client_id, issuer: demo.url, subject: ADA.sub });
    const atGoogle = google.requests.find((r) => r.path === '/o/oauth2/v2/auth')!;
    expect(atGoogle.query.get('access_type')).toBe('offline');
    expect(google.requests.some((r) => r.path === '/tokeninfo')).toBe(true);
    await mcp.close();
  });
});
