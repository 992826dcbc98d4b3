import { listen, startOidcProvider, type Listening, type OidcHarness } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler, type AuthInfo } from '@modelcontextprotocol/server';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RemoteAuthProvider, routeRequest, type RemoteAuthProviderOptions, type TokenVerifier } from '../src/index.js';
import { parseScopes } from '../src/kit.js';
import { toAuthInfo } from '../src/mcp.js';
import { toNodeHandler } from '../src/node.js';

/**
 * A small JWT verifier for the provider's access tokens (the real one lives in @mcpauth/jwt, which
 * core must not depend on). It checks signature and issuer only: the audience is left to the
 * provider's guard, which is what these tests exercise.
 */
function jwtVerifierFor(op: OidcHarness): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(op.jwksUri));
  return {
    async verifyToken(token) {
      try {
        const { payload } = await jwtVerify(token, jwks, { issuer: op.issuer });
        return {
          token,
          clientId: String(payload['client_id']),
          scopes: parseScopes(payload['scope']),
          expiresAt: payload.exp,
          subject: payload.sub,
          claims: payload,
        };
      } catch {
        return null;
      }
    },
  };
}

function mcpServer() {
  const server = new McpServer({ name: 'remote-test', version: '1.0.0' });
  server.registerTool('whoami', { description: 'who am I', inputSchema: z.object({}) }, async (_args, ctx) => {
    const info = (ctx as { http?: { authInfo?: AuthInfo } }).http?.authInfo;
    return { content: [{ type: 'text', text: JSON.stringify({ clientId: info?.clientId, scopes: info?.scopes }) }] };
  });
  return server;
}

/** An MCP SDK v2 server behind a RemoteAuthProvider, on a loopback port. */
async function serve(options: (origin: string) => RemoteAuthProviderOptions): Promise<{ listening: Listening; auth: RemoteAuthProvider }> {
  const mcp = createMcpHandler(() => mcpServer());
  let auth: RemoteAuthProvider | undefined;
  const listening = await listen(
    toNodeHandler(async (request) => {
      const routed = await routeRequest(auth!.routes, request);
      if (routed) return routed;
      if (new URL(request.url).pathname !== '/mcp') return new Response('not found', { status: 404 });
      const token = await auth!.guard(request);
      if (token instanceof Response) return token;
      return mcp.fetch(request, { authInfo: toAuthInfo(token) });
    }),
  );
  auth = new RemoteAuthProvider(options(listening.url));
  return { listening, auth };
}

const countingFetch = () => {
  const calls: string[] = [];
  const f: typeof fetch = (input, init) => {
    calls.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  };
  return { fetch: f, calls };
};

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'remote-test-client', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

const post = (url: string, token?: string) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

describe('RemoteAuthProvider', () => {
  let op: OidcHarness;
  let srv: { listening: Listening; auth: RemoteAuthProvider };
  let upstream: ReturnType<typeof countingFetch>;
  let now = 1_700_000_000;
  let resource: string;
  const token = (scope: string, forResource = resource) =>
    op.clientCredentialsToken({ clientId: 'svc', clientSecret: 'svc-secret', scope, resource: forResource }).then((t) => t.access_token);

  beforeAll(async () => {
    op = await startOidcProvider({
      clients: [
        { client_id: 'svc', client_secret: 'svc-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
      ],
    });
    upstream = countingFetch();
    srv = await serve((origin) => ({
      baseUrl: origin,
      authorizationServers: [op.issuer],
      verifier: jwtVerifierFor(op),
      requiredScopes: ['read'],
      scopesSupported: ['read', 'write', 'offline_access'],
      resourceName: 'Remote test server',
      forwardAuthorizationServerMetadata: { cacheTtlSeconds: 600 },
      http: { fetch: upstream.fetch },
      now: () => now,
    }));
    resource = `${srv.listening.url}/mcp`;
  });
  afterAll(async () => {
    await srv?.listening.close();
    await op?.close();
  });

  it('exposes the AuthProvider members', () => {
    expect(srv.auth.resourceUrl).toBe(resource);
    expect(srv.auth.resourceMetadataUrl).toBe(`${srv.listening.url}/.well-known/oauth-protected-resource/mcp`);
    expect(srv.auth.requiredScopes).toEqual(['read']);
    expect(srv.auth.routes.map((r) => r.path)).toEqual([
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-authorization-server',
    ]);
    expect(typeof srv.auth.verifier.verifyToken).toBe('function');
  });

  it('lets the MCP SDK client call a tool with a token the authorization server issued for this resource', async () => {
    const client = await connect(resource, await token('read write'));
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual({ clientId: 'svc', scopes: ['read', 'write'] });
    await client.close();
  });

  it('serves RFC 9728 metadata naming the authorization server, and advertises it on 401', async () => {
    const res = await post(resource);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer scope="read", resource_metadata="${srv.auth.resourceMetadataUrl}"`);
    const md = await fetch(srv.auth.resourceMetadataUrl);
    expect(md.status).toBe(200);
    expect(await md.json()).toEqual({
      resource,
      authorization_servers: [op.issuer],
      scopes_supported: ['read', 'write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Remote test server',
    });
  });

  it('refuses a token issued for another resource (RFC 8707 audience) with 401', async () => {
    const res = await post(resource, await token('read', 'https://other.example.com/mcp'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await expect(connect(resource, await token('read', 'https://other.example.com/mcp'))).rejects.toThrow();
  });

  it("with audienceCheck 'verifier', leaves the audience to the verifier (IdP-specific audiences)", async () => {
    const idpAudience = 'urn:test:project';
    const strict = jwtVerifierFor(op);
    const audienceChecking: TokenVerifier = {
      async verifyToken(t) {
        const verified = await strict.verifyToken(t);
        return verified && verified.claims['aud'] === idpAudience ? verified : null;
      },
    };
    const byVerifier = await serve((origin) => ({
      baseUrl: origin,
      authorizationServers: [op.issuer],
      verifier: audienceChecking,
      audienceCheck: 'verifier',
    }));
    const byResource = await serve((origin) => ({ baseUrl: origin, authorizationServers: [op.issuer], verifier: audienceChecking }));
    try {
      const projectToken = await token('read', idpAudience);
      expect((await post(`${byVerifier.listening.url}/mcp`, projectToken)).status).toBe(200);
      expect((await post(`${byResource.listening.url}/mcp`, projectToken)).status).toBe(401);
      // the verifier's audience is still enforced
      expect((await post(`${byVerifier.listening.url}/mcp`, await token('read', 'https://other.example.com/mcp'))).status).toBe(401);
      expect(
        () =>
          new RemoteAuthProvider({
            baseUrl: 'https://a.example',
            authorizationServers: [op.issuer],
            verifier: audienceChecking,
            audienceCheck: 'none' as never,
          }),
      ).toThrow(TypeError);
    } finally {
      await byVerifier.listening.close();
      await byResource.listening.close();
    }
  });

  it('refuses a token without the required scope with 403 insufficient_scope', async () => {
    const res = await post(resource, await token('write'));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(res.headers.get('www-authenticate')).toContain('scope="read"');
  });

  it('refuses a forged token with 401', async () => {
    const genuine = await token('read');
    const [h, p] = genuine.split('.');
    const res = await post(resource, `${h}.${p}.${'A'.repeat(342)}`);
    expect(res.status).toBe(401);
  });

  it('forwards the authorization server metadata, cached, with one upstream request for concurrent clients', async () => {
    const direct = await (await fetch(`${op.issuer}/.well-known/oauth-authorization-server`)).json();
    const asMetadata = `${srv.listening.url}/.well-known/oauth-authorization-server`;
    const before = upstream.calls.length;
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(asMetadata)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const a of answers) expect(await a.json()).toEqual(direct);
    expect(upstream.calls.slice(before)).toEqual([`${op.issuer}/.well-known/oauth-authorization-server`]);
    expect(answers[0]!.headers.get('access-control-allow-origin')).toBe('*');
    expect(answers[0]!.headers.get('cache-control')).toBe('public, max-age=600');

    now += 599;
    expect((await fetch(asMetadata)).status).toBe(200);
    expect(upstream.calls.length).toBe(before + 1);
    now += 2;
    expect(await (await fetch(asMetadata)).json()).toEqual(direct);
    expect(upstream.calls.length).toBe(before + 2);
  });

  it('answers the forwarded metadata route only for GET, HEAD and OPTIONS; 404 elsewhere in the handler', async () => {
    const asMetadata = `${srv.listening.url}/.well-known/oauth-authorization-server`;
    expect((await fetch(asMetadata, { method: 'POST' })).status).toBe(405);
    expect((await fetch(asMetadata, { method: 'OPTIONS' })).status).toBe(204);
    const head = await fetch(asMetadata, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await srv.auth.handler(new Request(`${srv.listening.url}/elsewhere`))).status).toBe(404);
  });

  describe('when the upstream metadata cannot be had', () => {
    const base =
      (issuer: string, extra: Partial<RemoteAuthProviderOptions> = {}) =>
      (origin: string) =>
        ({
          baseUrl: origin,
          authorizationServers: [issuer],
          verifier: jwtVerifierFor(op),
          forwardAuthorizationServerMetadata: true,
          ...extra,
        }) as RemoteAuthProviderOptions;

    const expect502 = async (res: Response) => {
      expect(res.status).toBe(502);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        error: 'server_error',
        error_description: 'The upstream authorization server could not be reached',
      });
    };

    it('upstream down: 502, not cached (the next request tries again), and the MCP endpoint still works', async () => {
      const gone = await startOidcProvider();
      const issuer = gone.issuer;
      await gone.close();
      const counted = countingFetch();
      const errors: unknown[] = [];
      const down = await serve(base(issuer, { http: { fetch: counted.fetch }, onError: (e) => errors.push(e) }));
      try {
        const url = `${down.listening.url}/.well-known/oauth-authorization-server`;
        await expect502(await fetch(url));
        await expect502(await fetch(url));
        expect(counted.calls).toHaveLength(2);
        expect(errors.map((e) => (e as { reason?: string }).reason)).toEqual(['network', 'network']);
        expect((await fetch(down.auth.resourceMetadataUrl)).status).toBe(200);
        expect((await post(`${down.listening.url}/mcp`)).status).toBe(401);
      } finally {
        await down.listening.close();
      }
    });

    it('metadata naming another issuer: 502', async () => {
      const other = await startOidcProvider();
      const wrong = await serve(
        base(op.issuer, { forwardAuthorizationServerMetadata: { metadataUrl: `${other.issuer}/.well-known/oauth-authorization-server` } }),
      );
      try {
        await expect502(await fetch(`${wrong.listening.url}/.well-known/oauth-authorization-server`));
      } finally {
        await wrong.listening.close();
        await other.close();
      }
    });

    it('an upstream that hangs times out (502); one that answers too much is cut off (502)', async () => {
      const hanging = await listen(() => undefined);
      const huge = await listen((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: 'x', padding: 'x'.repeat(300 * 1024) }));
      });
      const slow = await serve(base(hanging.url, { http: { timeoutMs: 200 } }));
      const big = await serve(base(huge.url));
      try {
        await expect502(await fetch(`${slow.listening.url}/.well-known/oauth-authorization-server`));
        await expect502(await fetch(`${big.listening.url}/.well-known/oauth-authorization-server`));
      } finally {
        await Promise.all([slow.listening.close(), big.listening.close(), hanging.close(), huge.close()]);
      }
    });
  });

  it('builds the resource URL from resourceUrl, or baseUrl plus mcpPath', () => {
    const verifier: TokenVerifier = { verifyToken: async () => null, requiredScopes: ['mcp'] };
    const a = new RemoteAuthProvider({
      resourceUrl: 'https://api.example.com/tools/mcp',
      authorizationServers: ['https://as.example.com'],
      verifier,
    });
    expect(a.resourceUrl).toBe('https://api.example.com/tools/mcp');
    expect(a.resourceMetadataUrl).toBe('https://api.example.com/.well-known/oauth-protected-resource/tools/mcp');
    expect(a.requiredScopes).toEqual(['mcp']);
    expect(a.metadata.scopes_supported).toEqual(['mcp']);
    expect(a.routes).toHaveLength(1);
    const b = new RemoteAuthProvider({
      baseUrl: 'https://api.example.com/tools/',
      mcpPath: '/v1/mcp',
      authorizationServers: ['https://as.example.com'],
      verifier,
    });
    expect(b.resourceUrl).toBe('https://api.example.com/tools/v1/mcp');
    expect(
      new RemoteAuthProvider({ baseUrl: 'https://api.example.com', authorizationServers: ['https://as.example.com'], verifier })
        .resourceUrl,
    ).toBe('https://api.example.com/mcp');
  });

  it('a verifier factory is given the resource URL (a verifier whose audience is this server)', () => {
    const seen: string[] = [];
    const verifier: TokenVerifier = { verifyToken: async () => null, requiredScopes: ['mcp'] };
    const auth = new RemoteAuthProvider({
      baseUrl: 'https://api.example.com/tools/',
      authorizationServers: ['https://as.example.com'],
      verifier: ({ resourceUrl }) => {
        seen.push(resourceUrl);
        return verifier;
      },
    });
    expect(seen).toEqual(['https://api.example.com/tools/mcp']);
    expect(auth.resourceUrl).toBe(seen[0]);
    expect(auth.verifier).toBe(verifier);
    expect(auth.requiredScopes).toEqual(['mcp']);
    expect(
      () =>
        new RemoteAuthProvider({
          resourceUrl: 'https://api.example.com/mcp',
          authorizationServers: ['https://as.example.com'],
          verifier: (() => ({})) as never,
        }),
    ).toThrow(/verifier must implement verifyToken/);
  });

  it('refuses bad options with TypeError', () => {
    const verifier: TokenVerifier = { verifyToken: async () => null };
    const ok = { resourceUrl: 'https://api.example.com/mcp', authorizationServers: ['https://as.example.com'], verifier };
    const bad: unknown[] = [
      undefined,
      { ...ok, verifier: {} },
      { ...ok, authorizationServers: [] },
      { ...ok, authorizationServers: ['not a url'] },
      { ...ok, baseUrl: 'https://api.example.com' },
      { authorizationServers: ok.authorizationServers, verifier },
      { ...ok, resourceUrl: 'https://api.example.com/mcp#frag' },
      { ...ok, resourceUrl: 'ftp://api.example.com/mcp' },
      { baseUrl: 'https://api.example.com', mcpPath: 'mcp', authorizationServers: ok.authorizationServers, verifier },
      { ...ok, authorizationServers: ['http://as.example.com'], forwardAuthorizationServerMetadata: true },
      { ...ok, forwardAuthorizationServerMetadata: { metadataUrl: 'http://evil.example.com/md' } },
      { ...ok, forwardAuthorizationServerMetadata: { cacheTtlSeconds: 0 } },
    ];
    for (const options of bad)
      expect(() => new RemoteAuthProvider(options as RemoteAuthProviderOptions), JSON.stringify(options)).toThrow(TypeError);
  });

  it('takes public URLs over https only (http only on loopback), like every other URL of the project', () => {
    const verifier: TokenVerifier = { verifyToken: async () => null };
    const ok = { resourceUrl: 'https://api.example.com/mcp', authorizationServers: ['https://as.example.com'], verifier };
    expect(
      () => new RemoteAuthProvider({ baseUrl: 'http://api.example.com', authorizationServers: ok.authorizationServers, verifier }),
    ).toThrow(/baseUrl must use https/);
    expect(() => new RemoteAuthProvider({ ...ok, resourceUrl: 'http://api.example.com/mcp' })).toThrow(/resourceUrl must use https/);
    // an authorization server clients are sent to must be https too, even when nothing is fetched from it
    expect(() => new RemoteAuthProvider({ ...ok, authorizationServers: ['http://as.internal:8080'] })).toThrow(
      /authorizationServers\[0\] must use https/,
    );
    expect(
      new RemoteAuthProvider({ baseUrl: 'http://127.0.0.1:8080', authorizationServers: ['http://localhost:9000'], verifier }).resourceUrl,
    ).toBe('http://127.0.0.1:8080/mcp');
  });
});
