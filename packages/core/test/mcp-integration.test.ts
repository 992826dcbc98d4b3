import { listen, type Listening } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler, requireBearerAuth, type AuthInfo } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBearerGuard, createProtectedResourceMetadata, routeRequest, type AccessToken, type TokenVerifier } from '../src/index.js';
import { toAuthInfo, toOAuthTokenVerifier } from '../src/mcp.js';
import { toNodeHandler } from '../src/node.js';

const in1h = () => Math.floor(Date.now() / 1000) + 3600;
function verifierFor(resource: string): TokenVerifier {
  const tokens: Record<string, Omit<AccessToken, 'token'>> = {
    'valid-token': {
      clientId: 'client-a',
      scopes: ['mcp:tools'],
      expiresAt: in1h(),
      resource,
      subject: 'alice',
      claims: { iss: 'https://as.test' },
    },
    'weak-token': { clientId: 'client-b', scopes: ['other'], expiresAt: in1h(), resource, claims: {} },
  };
  return { verifyToken: async (token) => (tokens[token] ? { token, ...tokens[token]! } : null) };
}

function mcpServer() {
  const server = new McpServer({ name: 'test', version: '1.0.0' });
  server.registerTool('whoami', { description: 'who am I', inputSchema: z.object({}) }, async (_args, ctx) => {
    const info = (ctx as { http?: { authInfo?: AuthInfo } }).http?.authInfo;
    return {
      content: [
        { type: 'text', text: JSON.stringify({ clientId: info?.clientId, subject: (info?.extra as { subject?: string })?.subject }) },
      ],
    };
  });
  return server;
}

type Mode = 'our-guard' | 'sdk-guard';
async function startServer(mode: Mode): Promise<{ listening: Listening; url: string }> {
  const mcp = createMcpHandler(() => mcpServer());
  let url = '';
  const handler = async (request: Request): Promise<Response> => {
    const verifier = verifierFor(url);
    const prm = createProtectedResourceMetadata({
      resource: url,
      authorizationServers: ['https://as.test'],
      scopesSupported: ['mcp:tools'],
    });
    const routed = await routeRequest([prm.route], request);
    if (routed) return routed;
    if (mode === 'our-guard') {
      const guard = createBearerGuard({ verifier, resourceMetadataUrl: prm.url, requiredScopes: ['mcp:tools'], expectedResource: url });
      const auth = await guard(request);
      if (auth instanceof Response) return auth;
      return mcp.fetch(request, { authInfo: toAuthInfo(auth) });
    }
    const gate = requireBearerAuth({
      verifier: toOAuthTokenVerifier(verifier),
      requiredScopes: ['mcp:tools'],
      resourceMetadataUrl: prm.url,
      expectedResource: new URL(url),
    });
    const auth = await gate(request);
    if (auth instanceof Response) return auth;
    return mcp.fetch(request, { authInfo: auth });
  };
  const listening = await listen(toNodeHandler(handler));
  url = `${listening.url}/mcp`;
  return { listening, url };
}

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(
    new URL(url),
    token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {},
  );
  await client.connect(transport);
  return client;
}

for (const mode of ['our-guard', 'sdk-guard'] as const) {
  describe(`MCP SDK v2 server behind ${mode}`, () => {
    let srv: { listening: Listening; url: string };
    beforeAll(async () => {
      srv = await startServer(mode);
    });
    afterAll(() => srv.listening.close());

    it('answers tools/call for a valid token, with the principal', async () => {
      const client = await connect(srv.url, 'valid-token');
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual({ clientId: 'client-a', subject: 'alice' });
      await client.close();
    });

    it('refuses a missing token with 401 and the metadata URL', async () => {
      const res = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain(
        `resource_metadata="${srv.listening.url}/.well-known/oauth-protected-resource/mcp"`,
      );
      const md = await fetch(`${srv.listening.url}/.well-known/oauth-protected-resource/mcp`);
      expect(await md.json()).toMatchObject({ resource: srv.url, authorization_servers: ['https://as.test'] });
    });

    it('refuses an invalid token (401) and an under-scoped one (403) through the SDK client', async () => {
      await expect(connect(srv.url, 'forged-token')).rejects.toThrow();
      const bad = await fetch(srv.url, {
        method: 'POST',
        headers: { Authorization: 'Bearer forged-token', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
      await expect(connect(srv.url, 'weak-token')).rejects.toThrow();
      const weak = await fetch(srv.url, {
        method: 'POST',
        headers: { Authorization: 'Bearer weak-token', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(weak.status).toBe(403);
      expect(weak.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(weak.headers.get('www-authenticate')).toContain('scope="mcp:tools"');
    });
  });
}
