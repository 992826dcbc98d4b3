/**
 * End to end: the official MCP SDK v2 client completes the OAuth flow headlessly against an SDK
 * v2 MCP server guarded by this stack, over real HTTP.
 */
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { HeadlessOAuthClientProvider } from '@mcpauth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SCOPE, startStack, startTlsServer, type Stack, type TlsServer } from './fixtures.js';

const CALLBACK = 'http://127.0.0.1:4321/callback';

/** The SDK client's OAuth provider: auto-approved authorization, fetched headlessly. */
class HeadlessOAuthClient extends HeadlessOAuthClientProvider {
  constructor(clientMetadataUrl?: string) {
    super(CALLBACK, { client_name: 'headless test client' }, clientMetadataUrl);
  }
}

async function expectConnected(stack: Stack, provider: HeadlessOAuthClient): Promise<Client> {
  const first = new Client({ name: 'e2e', version: '1.0.0' });
  await expect(first.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  const callback = provider.callback!;
  expect(callback.get('iss')).toBe(stack.url);
  expect(callback.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const finishing = new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider });
  await finishing.finishAuth(callback);
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }));
  return client;
}

async function whoami(client: Client): Promise<{ clientId: string; subject: string; scopes: string[] }> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  const content = result.content as { type: string; text: string }[];
  return JSON.parse(content[0]!.text) as { clientId: string; subject: string; scopes: string[] };
}

async function mcpStatusWith(stack: Stack, token: string): Promise<Response> {
  return fetch(stack.mcpUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
}

/** The whole life of a grant: tool call, refresh on expiry, revocation, then 401. */
async function expectFullFlow(stack: Stack, provider: HeadlessOAuthClient, expectedClientId: (id: string) => void): Promise<void> {
  const client = await expectConnected(stack, provider);
  const me = await whoami(client);
  expect(me.subject).toBe('dev-user');
  expect(me.scopes).toEqual([SCOPE]);
  expectedClientId(me.clientId);
  expect(provider.authorizations).toBe(1);

  // Refresh: the access token expires; the guard answers 401, the SDK refreshes and retries.
  const first = provider.saved!;
  expect(first.refresh_token).toBeTruthy();
  stack.clock.advance(601);
  expect((await mcpStatusWith(stack, first.access_token)).status).toBe(401);
  const again = await whoami(client);
  expect(again.subject).toBe('dev-user');
  const second = provider.saved!;
  expect(second.access_token).not.toBe(first.access_token);
  expect(second.refresh_token).not.toBe(first.refresh_token);
  expect(provider.authorizations).toBe(1);

  // Revoke (RFC 7009) with the public client's id, then the next call is refused.
  const clientId = provider.client!.client_id;
  const revoked = await fetch(stack.as.metadata.revocation_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: second.refresh_token!, client_id: clientId, token_type_hint: 'refresh_token' }).toString(),
  });
  expect(revoked.status).toBe(200);
  const refused = await mcpStatusWith(stack, second.access_token);
  expect(refused.status).toBe(401);
  expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  const reuse = await fetch(stack.as.metadata.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: second.refresh_token!, client_id: clientId }).toString(),
  });
  expect(reuse.status).toBe(400);
  expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
  await client.close();
}

describe('MCP SDK v2 client against the authorization server', () => {
  let stack: Stack | undefined;
  let tls: TlsServer | undefined;
  afterEach(async () => {
    await stack?.close();
    await tls?.close();
    stack = tls = undefined;
  });

  it('DCR → authorize → token → tool call → refresh → revoke → 401', async () => {
    stack = await startStack();
    const provider = new HeadlessOAuthClient();
    await expectFullFlow(stack, provider, (id) => expect(id).toBe(provider.client!.client_id));
    expect(provider.client!.client_id).not.toMatch(/^https:/);
  });

  it('the same with a Client ID Metadata Document served over TLS on loopback', async () => {
    tls = await startTlsServer();
    stack = await startStack({ cimd: { allowLoopback: true, http: { fetch: tls.fetch } } });
    const clientId = `${tls.url}/oauth/client.json`;
    tls.serve(
      '/oauth/client.json',
      JSON.stringify({
        client_id: clientId,
        client_name: 'cimd client',
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      }),
      { headers: { 'Cache-Control': 'max-age=3600' } },
    );
    const provider = new HeadlessOAuthClient(clientId);
    await expectFullFlow(stack, provider, (id) => expect(id).toBe(clientId));
    expect(provider.client!.client_id).toBe(clientId);
    // Fetched once, then served from the cache (max-age=3600; the cache runs on the server's clock) for authorize, token and refresh.
    expect(tls.hits('/oauth/client.json')).toBe(1);
  });

  it('without the loopback option a metadata document on 127.0.0.1 is refused with an error page', async () => {
    tls = await startTlsServer();
    stack = await startStack({ cimd: { http: { fetch: tls.fetch } } });
    const clientId = `${tls.url}/oauth/client.json`;
    tls.serve('/oauth/client.json', JSON.stringify({ client_id: clientId, redirect_uris: [CALLBACK] }));
    const url = new URL(stack.as.metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: CALLBACK,
      response_type: 'code',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('private or loopback');
    expect(tls.hits('/oauth/client.json')).toBe(0);
  });
});
