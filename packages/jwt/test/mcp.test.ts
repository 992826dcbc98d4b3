import { protectedResourceMetadataUrl } from '@mcpauth/core/kit';
import { toOAuthTokenVerifier } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { listen, startOidcProvider, type Listening, type OidcHarness } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler, requireBearerAuth, type AuthInfo } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JWTVerifier } from '../src/index.js';

const CLIENT = { client_id: 'agent', client_secret: 'agent-secret-0123456789' };

let idp: OidcHarness;
let server: Listening;
let url: string;

beforeAll(async () => {
  idp = await startOidcProvider({ clients: [{ ...CLIENT, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }] });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'jwt-test', version: '1.0.0' });
    s.registerTool('whoami', { description: 'who am I', inputSchema: z.object({}) }, async (_args, ctx) => {
      const info = (ctx as { http?: { authInfo?: AuthInfo } }).http?.authInfo;
      return {
        content: [
          { type: 'text', text: JSON.stringify({ clientId: info?.clientId, scopes: info?.scopes, resource: info?.resource?.href }) },
        ],
      };
    });
    return s;
  });
  let gate: (request: Request) => Promise<AuthInfo | Response>;
  server = await listen(
    toNodeHandler(async (request) => {
      const auth = await gate(request);
      return auth instanceof Response ? auth : mcp.fetch(request, { authInfo: auth });
    }),
  );
  url = `${server.url}/mcp`;
  // the verifier checks signature, issuer, audience and RFC 9068 typ; the SDK gate checks scopes (403)
  const verifier = new JWTVerifier({ jwksUri: idp.jwksUri, issuer: idp.issuer, audience: url, typ: 'at+jwt' });
  gate = requireBearerAuth({
    verifier: toOAuthTokenVerifier(verifier),
    requiredScopes: ['read'],
    resourceMetadataUrl: protectedResourceMetadataUrl(url),
    expectedResource: new URL(url),
  });
});
afterAll(async () => {
  await server.close();
  await idp.close();
});

const tokenFor = async (resource: string, scope: string) =>
  (await idp.clientCredentialsToken({ clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, resource, scope })).access_token;

describe('with the MCP SDK v2 (requireBearerAuth + toOAuthTokenVerifier)', () => {
  it('serves a tool call for an oidc-provider token, with the principal', async () => {
    const client = new Client({ name: 'agent', version: '1.0.0' });
    const token = await tokenFor(url, 'read write');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual({
      clientId: 'agent',
      scopes: ['read', 'write'],
      resource: url,
    });
    await client.close();
  });

  it('answers 401 for a token of another resource and 403 for a missing scope', async () => {
    const post = (token: string) =>
      fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: '{}',
      });
    const elsewhere = await post(await tokenFor('https://other.example.com/mcp', 'read'));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const weak = await post(await tokenFor(url, 'write'));
    expect(weak.status).toBe(403);
    expect(weak.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });
});
