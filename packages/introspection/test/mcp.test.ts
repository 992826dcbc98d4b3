import { toOAuthTokenVerifier } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { listen, startOidcProvider, type Listening, type OidcHarness } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler, requireBearerAuth } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IntrospectionTokenVerifier } from '../src/index.js';

// The verifier behind the MCP SDK v2's own bearer gate, called by the official SDK client.

const RS = { client_id: 'mcp-server', client_secret: 'mcp-server-secret' };
const APP = { client_id: 'app', client_secret: 'app-secret' };

let harness: OidcHarness;
let server: Listening;

beforeAll(async () => {
  harness = await startOidcProvider({
    accessTokenFormat: 'opaque',
    clients: [
      { ...RS, grant_types: [], response_types: [], redirect_uris: [] },
      { ...APP, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    ],
  });
  const verifier = new IntrospectionTokenVerifier({
    introspectionUrl: harness.introspectionEndpoint,
    clientId: RS.client_id,
    clientSecret: RS.client_secret,
    expectedIssuer: harness.issuer,
    expectedAudience: 'urn:test:api', // the harness's default resource
  });
  const gate = requireBearerAuth({ verifier: toOAuthTokenVerifier(verifier), requiredScopes: ['read'] });
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: 'introspection-test', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Who the bearer token says the caller is' }, async (ctx) => {
      const auth = ctx.http?.authInfo;
      return {
        content: [{ type: 'text', text: JSON.stringify({ clientId: auth?.clientId, scopes: auth?.scopes, expiresAt: auth?.expiresAt }) }],
      };
    });
    return server;
  });
  server = await listen(
    toNodeHandler(async (request) => {
      const auth = await gate(request);
      if (auth instanceof Response) return auth;
      return mcp.fetch(request, { authInfo: auth });
    }),
  );
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

it('an introspected token reaches the tool as the SDK AuthInfo', async () => {
  const issued = await harness.clientCredentialsToken({ clientId: APP.client_id, clientSecret: APP.client_secret, scope: 'read write' });
  const client = await connect(issued.access_token);
  try {
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    const content = result.content as Array<{ type: string; text: string }>;
    const seen = JSON.parse(content[0]!.text) as { clientId: string; scopes: string[]; expiresAt: number };
    expect(seen.clientId).toBe(APP.client_id);
    expect(seen.scopes).toEqual(['read', 'write']);
    expect(seen.expiresAt).toBeGreaterThan(Date.now() / 1000 + 3000);
  } finally {
    await client.close();
  }
});

it('a revoked token is refused with 401 and a Bearer challenge', async () => {
  const issued = await harness.clientCredentialsToken({ clientId: APP.client_id, clientSecret: APP.client_secret, scope: 'read' });
  const revoked = await fetch(harness.revocationEndpoint, {
    method: 'POST',
    headers: { Authorization: `Basic ${btoa(`${APP.client_id}:${APP.client_secret}`)}` },
    body: new URLSearchParams({ token: issued.access_token }),
  });
  expect(revoked.status).toBe(200);

  await expect(connect(issued.access_token)).rejects.toThrow(/invalid_token/);
  const res = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${issued.access_token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
});

it('a token without the scope the SDK gate requires gets 403 insufficient_scope', async () => {
  const issued = await harness.clientCredentialsToken({ clientId: APP.client_id, clientSecret: APP.client_secret, scope: 'write' });
  const res = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${issued.access_token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  expect(res.status).toBe(403);
  expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
});
