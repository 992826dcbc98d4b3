import { listen, type Listening } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler, type AuthInfo } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RemoteAuthProvider, type TokenVerifier } from '../src/index.js';
import { createMcpAuthHandler } from '../src/mcp.js';
import { toNodeHandler } from '../src/node.js';

describe('createMcpAuthHandler', () => {
  let srv: Listening;
  let auth: RemoteAuthProvider;
  beforeAll(async () => {
    let handler: (r: Request) => Promise<Response> = async () => new Response(null, { status: 503 });
    srv = await listen(toNodeHandler((r) => handler(r)));
    const resource = `${srv.url}/mcp`;
    const verifier: TokenVerifier = {
      verifyToken: async (token) =>
        token === 'good'
          ? {
              token,
              clientId: 'c1',
              scopes: ['mcp'],
              expiresAt: Math.floor(Date.now() / 1000) + 60,
              resource,
              subject: 'alice',
              claims: {},
            }
          : null,
    };
    auth = new RemoteAuthProvider({
      resourceUrl: resource,
      authorizationServers: ['https://as.example.com'],
      verifier,
      requiredScopes: ['mcp'],
    });
    const mcp = createMcpHandler(() => {
      const server = new McpServer({ name: 'h', version: '1.0.0' });
      server.registerTool('whoami', { inputSchema: z.object({}) }, async (_a, ctx) => {
        const info = (ctx as { http?: { authInfo?: AuthInfo } }).http?.authInfo;
        return { content: [{ type: 'text', text: JSON.stringify({ clientId: info?.clientId, md: info?.resourceMetadataUrl }) }] };
      });
      return server;
    });
    handler = createMcpAuthHandler({ auth, mcp, fallback: async (r) => new Response(`fallback ${new URL(r.url).pathname}`) });
  });
  afterAll(() => srv.close());

  it('serves the auth routes, guards the MCP endpoint, and hands the SDK the verified authInfo', async () => {
    expect((await fetch(auth.resourceMetadataUrl)).status).toBe(200);
    const client = new Client({ name: 't', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(auth.resourceUrl), { requestInit: { headers: { Authorization: 'Bearer good' } } }),
    );
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual({ clientId: 'c1', md: auth.resourceMetadataUrl });
    await client.close();
  });

  it('refuses without a token, with CORS that lets a browser client read the challenge', async () => {
    const res = await fetch(auth.resourceUrl, {
      method: 'POST',
      headers: { Origin: 'http://inspector.localhost', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${auth.resourceMetadataUrl}"`);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
    const pre = await fetch(auth.resourceUrl, { method: 'OPTIONS' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(pre.headers.get('access-control-allow-headers')).toContain('Mcp-Session-Id');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-max-age')).toBe('86400');
    // the preflight-only headers are not repeated on actual responses (browsers read them only there)
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('adds the CORS headers to the MCP response, in place or to a copy when its headers are immutable', async () => {
    const upstream = await listen((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'yes' }).end('from upstream'),
    );
    try {
      const own = () => new Response('mine', { status: 202, headers: { 'x-own': '1' } });
      for (const [make, body, status] of [
        [async () => own(), 'mine', 202],
        [() => fetch(upstream.url), 'from upstream', 200], // fetch's response headers are immutable
      ] as const) {
        const handler = createMcpAuthHandler({ auth, mcp: { fetch: make } });
        const res = await handler(new Request(auth.resourceUrl, { method: 'POST', headers: { Authorization: 'Bearer good' } }));
        expect(res.status).toBe(status);
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('access-control-expose-headers')).toContain('Mcp-Session-Id');
        expect(await res.text()).toBe(body);
      }
      // the handler's own response object is the one sent, with its headers kept
      const handler = createMcpAuthHandler({ auth, mcp: { fetch: async () => own() } });
      const res = await handler(new Request(auth.resourceUrl, { method: 'POST', headers: { Authorization: 'Bearer good' } }));
      expect(res.headers.get('x-own')).toBe('1');
    } finally {
      await upstream.close();
    }
  });

  it('sends other paths to the fallback, or answers 404 without one', async () => {
    expect(await (await fetch(`${srv.url}/elsewhere`)).text()).toBe('fallback /elsewhere');
    const bare = createMcpAuthHandler({ auth, mcp: { fetch: async () => new Response('mcp') }, cors: false });
    expect((await bare(new Request(`${srv.url}/elsewhere`))).status).toBe(404);
    const refused = await bare(new Request(auth.resourceUrl, { method: 'POST' }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(() => createMcpAuthHandler({ auth: {} as never, mcp: { fetch: async () => new Response() } })).toThrow(TypeError);
  });
});
