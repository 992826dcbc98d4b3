/**
 * Two OAuthProxy instances sharing one Redis store behind a path-routing "load balancer":
 * authorize and consent on A, the upstream callback on B, the token request on A, the MCP call
 * on B. Then both instances validate concurrently after the upstream token expired, and the
 * upstream is refreshed once between them. (This lives here, not in @mcpauth/core, because
 * @mcpauth/redis depends on @mcpauth/core.)
 */
import { OAuthProxy, routeRequest, type AccessToken, type FetchHandler, type TokenVerifier } from '@mcpauth/core';
import { parseScopes } from '@mcpauth/core/kit';
import { toAuthInfo } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import {
  ScriptedOAuthClient,
  listen,
  startOidcProvider,
  startRedis,
  type Listening,
  type OidcHarness,
  type RedisHarness,
} from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';

const CLIENT_ID = 'mcp-proxy';
const CLIENT_SECRET = 'upstream-secret-0123456789abcdef0123456789';
const REDIRECT = 'http://127.0.0.1:4400/callback';

let redis: RedisHarness;
let balancer: Listening;
let h: OidcHarness;
const clock = { offset: 0 };
let tokenCalls = 0;
const stores: RedisStore[] = [];
const mcps: { close(): Promise<void> }[] = [];

function introspectionVerifier(): TokenVerifier {
  return {
    async verifyToken(token: string): Promise<AccessToken | null> {
      const res = await fetch(h.introspectionEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}` },
        body: new URLSearchParams({ token }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      if (body['active'] !== true) return null;
      return {
        token,
        clientId: String(body['client_id']),
        scopes: parseScopes(body['scope']),
        subject: body['sub'] as string,
        claims: body,
      };
    },
  };
}

interface Instance {
  name: string;
  proxy: OAuthProxy;
  handler: FetchHandler;
  hits: string[];
}

function instance(name: string): Instance {
  const store = new RedisStore({ url: redis.url });
  stores.push(store);
  const proxy = new OAuthProxy({
    upstream: {
      authorizationEndpoint: h.authorizationEndpoint,
      tokenEndpoint: h.tokenEndpoint,
      revocationEndpoint: h.revocationEndpoint,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      verifier: introspectionVerifier(),
      scopes: ['openid', 'offline_access'],
    },
    baseUrl: balancer.url,
    validScopes: ['read'],
    requiredScopes: ['read'],
    store,
    now: () => Math.floor(Date.now() / 1000) + clock.offset,
    http: {
      fetch: (input, init) => {
        const request = new Request(input, init);
        if (request.url === h.tokenEndpoint) tokenCalls++;
        return fetch(request);
      },
    },
  });
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: `replica-${name}`, version: '1.0.0' });
    server.registerTool('whoami', { description: 'The caller and the replica' }, async (ctx) => ({
      content: [{ type: 'text', text: JSON.stringify({ replica: name, subject: ctx.http?.authInfo?.extra?.['subject'] }) }],
    }));
    return server;
  });
  mcps.push(mcp);
  const hits: string[] = [];
  const handler: FetchHandler = async (request) => {
    hits.push(new URL(request.url).pathname);
    const routed = await routeRequest(proxy.routes, request);
    if (routed) return routed;
    const token = await proxy.guard(request);
    if (token instanceof Response) return token;
    return mcp.fetch(request, { authInfo: toAuthInfo(token) });
  };
  return { name, proxy, handler, hits };
}

let a: Instance;
let b: Instance;

beforeAll(async () => {
  redis = await startRedis();
  // The load balancer: the callback and the MCP endpoint go to B, everything else to A.
  balancer = await listen(
    toNodeHandler((request) => {
      const path = new URL(request.url).pathname;
      return (path === '/auth/callback' || path === '/mcp' ? b : a).handler(request);
    }),
  );
  h = await startOidcProvider({
    accessTokenFormat: 'opaque',
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${balancer.url}/auth/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  });
  a = instance('A');
  b = instance('B');
});
afterAll(async () => {
  await Promise.all(mcps.map((m) => m.close()));
  await Promise.all(stores.map((s) => s.close()));
  await balancer?.close();
  await h?.close();
  await redis?.close();
});

describe('two OAuthProxy instances on one Redis store', () => {
  it('authorize on A, callback on B, token on A, MCP call on B; one upstream refresh between them', async () => {
    const provider = new ScriptedOAuthClient({ redirectUri: REDIRECT, upstreamOrigin: h.issuer, login: (url) => h.login(url) });
    const mcpUrl = new URL(`${balancer.url}/mcp`);
    await expect(
      new Client({ name: 'r', version: '1' }).connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    await new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }).finishAuth(provider.callback!);
    const client = new Client({ name: 'r', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual({ replica: 'B', subject: 'alice' });

    // Each step ran where the balancer sent it.
    expect(a.hits).toEqual(expect.arrayContaining(['/register', '/authorize', '/consent', '/token']));
    expect(a.hits).not.toContain('/auth/callback');
    expect(b.hits).toEqual(expect.arrayContaining(['/auth/callback', '/mcp']));
    expect(b.hits).not.toContain('/token');

    // Past the upstream expiry, both replicas validate at once: the upstream is refreshed once.
    const token = provider.saved!.access_token;
    clock.offset = 3700;
    const before = tokenCalls;
    const [fromA, fromB] = await Promise.all([a.proxy.verifyToken(token), b.proxy.verifyToken(token)]);
    expect(fromA?.subject).toBe('alice');
    expect(fromB?.subject).toBe('alice');
    expect(tokenCalls).toBe(before + 1);
    await client.close();
  });
});
