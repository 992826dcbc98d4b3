import { listen } from '@mcpauth/testing';
import express from 'express';
import { Hono } from 'hono';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createBearerGuard, createProtectedResourceMetadata, type AccessToken, type TokenVerifier } from '../src/index.js';
import { expressBearerAuth, expressRoutes, toNodeHandler } from '../src/node.js';
import { toAuthInfo } from '../src/mcp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';

const RESOURCE = 'http://127.0.0.1/mcp';
const verifier: TokenVerifier = {
  verifyToken: async (token) =>
    token === 'ok' ? { token, clientId: 'c', scopes: ['mcp'], subject: 'alice', resource: RESOURCE, claims: {} } : null,
};
const prm = createProtectedResourceMetadata({ resource: RESOURCE, authorizationServers: ['https://as.test'] });
const guard = createBearerGuard({ verifier, resourceMetadataUrl: prm.url, requiredScopes: ['mcp'], expectedResource: RESOURCE });

describe('node:http adapter', () => {
  it('streams request bodies in, writes status, headers, cookies and body out', async () => {
    const srv = await listen(
      toNodeHandler(async (request) => {
        const headers = new Headers({ 'content-type': 'text/plain' });
        headers.append('set-cookie', 'a=1; Path=/');
        headers.append('set-cookie', 'b=2; Path=/');
        return new Response(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`, { status: 201, headers });
      }),
    );
    const res = await fetch(`${srv.url}/x?y=1`, { method: 'POST', body: 'hello' });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(await res.text()).toBe('POST /x hello');
    await srv.close();
  });

  it('turns a throwing handler into a 500 without details', async () => {
    const srv = await listen(toNodeHandler(async () => Promise.reject(new Error('secret detail'))));
    const res = await fetch(srv.url);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');
    await srv.close();
  });

  it('builds request URLs on the configured public base URL', async () => {
    const srv = await listen(toNodeHandler(async (r) => new Response(r.url), { baseUrl: 'https://public.example.com' }));
    expect(await (await fetch(`${srv.url}/a/b?c=d`)).text()).toBe('https://public.example.com/a/b?c=d');
    await srv.close();
  });
});

describe('Express adapter', () => {
  it('mounts Fetch routes, guards a route and exposes req.auth, passes other paths on', async () => {
    const app = express();
    app.use(expressRoutes([prm.route, { path: '/echo', handler: async (r) => new Response(await r.text()) }]));
    app.use(express.json());
    app.post('/mcp', expressBearerAuth(guard), (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<AccessToken | undefined>();
      res.json({ subject: req.auth?.subject, body: req.body });
    });
    app.get('/other', (_req, res) => res.send('other'));
    const srv = await listen(app);
    const md = await fetch(`${srv.url}${prm.route.path}`);
    expect(md.status).toBe(200);
    expect(await (await fetch(`${srv.url}/echo`, { method: 'POST', body: 'raw body' })).text()).toBe('raw body');
    const denied = await fetch(`${srv.url}/mcp`, { method: 'POST' });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain('resource_metadata=');
    const ok = await fetch(`${srv.url}/mcp`, {
      method: 'POST',
      headers: { Authorization: 'Bearer ok', 'content-type': 'application/json' },
      body: '{"x":1}',
    });
    expect(await ok.json()).toEqual({ subject: 'alice', body: { x: 1 } });
    expect(await (await fetch(`${srv.url}/other`)).text()).toBe('other');
    await srv.close();
  });

  it('re-encodes a body that a parser already consumed', async () => {
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use(expressRoutes([{ path: '/form', handler: async (r) => new Response(await r.text()) }]));
    const srv = await listen(app);
    const res = await fetch(`${srv.url}/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=two+words',
    });
    expect(await res.text()).toBe('a=1&b=two+words');
    await srv.close();
  });
});

describe('Express in front of the MCP SDK v2 handler', () => {
  it('hands the verified token to the SDK as authInfo (body parsed by express.json first)', async () => {
    const mcp = createMcpHandler(() => {
      const server = new McpServer({ name: 'express', version: '1.0.0' });
      server.registerTool('whoami', { description: 'caller' }, async (ctx) => ({
        content: [{ type: 'text', text: String(ctx.http?.authInfo?.extra?.['subject']) }],
      }));
      return server;
    });
    const app = express();
    app.use(express.json());
    app.post('/mcp', expressBearerAuth(guard), (req, res) =>
      toNodeHandler((request) => mcp.fetch(request, { authInfo: toAuthInfo(req.auth!) }))(req, res),
    );
    const srv = await listen(app);
    const client = new Client({ name: 'express-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`), { requestInit: { headers: { Authorization: 'Bearer ok' } } }),
    );
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect((result.content as { text: string }[])[0]!.text).toBe('alice');
    await client.close();
    await mcp.close();
    await srv.close();
  });
});

describe('Hono (Fetch API as is)', () => {
  it('serves metadata and guards a route with no adapter', async () => {
    const app = new Hono();
    app.get(prm.route.path, (c) => prm.handler(c.req.raw));
    app.post('/mcp', async (c) => {
      const auth = await guard(c.req.raw);
      if (auth instanceof Response) return auth;
      return c.json({ clientId: auth.clientId });
    });
    expect((await app.request(prm.route.path)).status).toBe(200);
    const denied = await app.request('/mcp', { method: 'POST', headers: { Authorization: 'Bearer nope' } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const ok = await app.request('/mcp', { method: 'POST', headers: { Authorization: 'Bearer ok' } });
    expect(await ok.json()).toEqual({ clientId: 'c' });
  });
});
