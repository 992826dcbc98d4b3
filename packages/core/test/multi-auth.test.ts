/**
 * `MultiAuth` over real HTTP: people sign in through an `OAuthProxy` (oidc-provider upstream, the
 * MCP SDK v2 client), machines present client-credentials JWTs of the same provider checked by an
 * extra verifier; routes and metadata are the proxy's. An extra verifier that cannot reach its
 * identity provider does not make tokens invalid for the others (502 only when nobody accepts).
 * `DebugTokenVerifier` refuses a resource URL off loopback unless told loudly.
 */
import { listen, ScriptedOAuthClient, startOidcProvider, type Listening, type OidcHarness } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebugTokenVerifier, MultiAuth, UpstreamError, createBearerGuard, type FetchHandler, type TokenVerifier } from '../src/index.js';
import { createMcpAuthHandler } from '../src/mcp.js';
import { toNodeHandler } from '../src/node.js';
import { OAuthProxy } from '../src/proxy/oauth-proxy.js';
import { UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET, proxyOptions, upstreamJwtVerifier } from './proxy/helpers.js';
import { CLIENT_CALLBACK } from './proxy/stack.js';

const SERVICE = { client_id: 'ci-robot', client_secret: 'ci-robot-secret-0123456789abcdef0123456789' };

let server: Listening;
let h: OidcHarness;
let mcpUrl: string;
let extraDown = false;
let auth: MultiAuth;

beforeAll(async () => {
  let app: FetchHandler = async () => new Response(null, { status: 503 });
  server = await listen(toNodeHandler((r) => app(r)));
  mcpUrl = `${server.url}/mcp`;
  h = await startOidcProvider({
    accessTokenFormat: 'jwt',
    defaultResource: mcpUrl,
    clients: [
      {
        client_id: UPSTREAM_CLIENT_ID,
        client_secret: UPSTREAM_CLIENT_SECRET,
        redirect_uris: [`${server.url}/auth/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      { ...SERVICE, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    ],
  });
  const people = new OAuthProxy(
    proxyOptions(h, server.url, {
      upstream: { verifier: upstreamJwtVerifier({ jwksUri: h.jwksUri, issuer: h.issuer, audience: mcpUrl }) },
      validScopes: ['read'],
    }),
  );
  const services = upstreamJwtVerifier({ jwksUri: h.jwksUri, issuer: h.issuer, audience: mcpUrl });
  const unreachable: TokenVerifier = {
    verifyToken: async () => {
      if (extraDown) throw new UpstreamError('network', 'the second identity provider cannot be reached');
      return null;
    },
  };
  auth = new MultiAuth({ primary: people, verifiers: [services, unreachable] });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'multi', version: '1.0.0' });
    s.registerTool('whoami', { description: 'caller' }, async (ctx) => ({
      content: [{ type: 'text', text: String(ctx.http?.authInfo?.clientId) }],
    }));
    return s;
  });
  app = createMcpAuthHandler({ auth, mcp });
});
afterAll(async () => {
  await server.close();
  await h.close();
});

const ping = (token: string) =>
  fetch(mcpUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

describe('MultiAuth', () => {
  it("exposes the primary's authorization servers and waits for the primary's set-up", async () => {
    expect(auth.authorizationServers).toEqual([server.url]);
    await expect(auth.ready()).resolves.toBeUndefined();
  });

  it('serves the primary routes and lets a person in through the proxy', async () => {
    const browser = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK, upstreamOrigin: h.issuer, login: (url) => h.login(url) });
    await expect(
      new Client({ name: 'p', version: '1' }).connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: browser })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    await new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: browser }).finishAuth(browser.callback!);
    const client = new Client({ name: 'p', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: browser }));
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect((who.content as { text: string }[])[0]!.text).toBe(browser.client!.client_id);
    await client.close();
  });

  it('lets a machine in with a client-credentials token of the identity provider', async () => {
    const { access_token } = await h.clientCredentialsToken({
      clientId: SERVICE.client_id,
      clientSecret: SERVICE.client_secret,
      resource: mcpUrl,
    });
    expect((await ping(access_token)).status).toBe(200);
  });

  it('refuses other tokens with 401; a verifier outage is a 502 only when no verifier accepted', async () => {
    expect((await ping('not-a-token')).status).toBe(401);
    extraDown = true;
    try {
      expect((await ping('not-a-token')).status).toBe(502);
      const { access_token } = await h.clientCredentialsToken({
        clientId: SERVICE.client_id,
        clientSecret: SERVICE.client_secret,
        resource: mcpUrl,
      });
      expect((await ping(access_token)).status).toBe(200);
    } finally {
      extraDown = false;
    }
  });

  it('checks its options', () => {
    expect(() => new MultiAuth({ primary: {} as never, verifiers: [] })).toThrow(TypeError);
  });
});

describe('DebugTokenVerifier', () => {
  it('accepts what validate approves, bound to a loopback resource', async () => {
    const verifier = new DebugTokenVerifier({
      validate: (t) => t === 'dev-token',
      resourceUrl: 'http://127.0.0.1:3000/mcp',
      scopes: ['mcp:tools'],
    });
    const guard = createBearerGuard({ verifier, expectedResource: 'http://127.0.0.1:3000/mcp' });
    const ok = await guard(new Request('http://127.0.0.1:3000/mcp', { headers: { authorization: 'Bearer dev-token' } }));
    expect(ok).toMatchObject({ clientId: 'debug-client', subject: 'debug-user', scopes: ['mcp:tools'] });
    const refused = await guard(new Request('http://127.0.0.1:3000/mcp', { headers: { authorization: 'Bearer other' } }));
    expect((refused as Response).status).toBe(401);
    const throwing = new DebugTokenVerifier({ validate: () => Promise.reject(new Error('x')), resourceUrl: 'http://localhost:3000/mcp' });
    expect(await throwing.verifyToken('anything')).toBeNull();
  });

  it('refuses to start for a resource off loopback unless told loudly', () => {
    expect(() => new DebugTokenVerifier({ validate: () => true, resourceUrl: 'https://mcp.example.com/mcp' })).toThrow(/not on loopback/);
    expect(
      new DebugTokenVerifier({ validate: () => true, resourceUrl: 'https://mcp.example.com/mcp', dangerouslyAllowNonLoopback: true }),
    ).toBeInstanceOf(DebugTokenVerifier);
  });
});
