import { callToolWithToken, listen, pingMcp, type Listening } from '@mcpauth/testing';
import { Client, InsufficientScopeError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import type { FetchHandler } from '@mcpauth/core';
import { createMcpAuthHandler, requireToolScopes } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthKitProvider, type AuthKitClaims, type AuthKitProviderOptions } from '../src/index.js';
import { LEROY, ORG_ID, startFakeWorkOS, type FakeWorkOS } from './fake-workos.js';

interface Served {
  server: Listening;
  auth: AuthKitProvider;
  mcpUrl: string;
  errors: unknown[];
}

/** An SDK v2 MCP server (tools `whoami`, and `delete_widget` needing `widgets:delete`) behind an AuthKitProvider, on loopback. */
async function serve(
  workos: FakeWorkOS,
  overrides: Partial<Omit<AuthKitProviderOptions, 'resourceUrl' | 'baseUrl' | 'mcpPath'>> = {},
): Promise<Served> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server = await listen(toNodeHandler((request) => app(request)));
  const errors: unknown[] = [];
  const auth = new AuthKitProvider({ authkitDomain: workos.url, baseUrl: server.url, onError: (e) => errors.push(e), ...overrides });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'authkit-test', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      const claims = info?.extra?.['claims'] as AuthKitClaims;
      const text = JSON.stringify({
        clientId: info?.clientId,
        subject: info?.extra?.['subject'],
        org: claims.org_id,
        role: claims.role,
        permissions: claims.permissions,
        scopes: info?.scopes,
        resource: info?.resource?.href,
      });
      return { content: [{ type: 'text', text }] };
    });
    s.registerTool(
      'delete_widget',
      { description: 'Needs widgets:delete', scopeChallenge: requireToolScopes(auth, 'widgets:delete') },
      async () => ({
        content: [{ type: 'text', text: 'deleted' }],
      }),
    );
    return s;
  });
  app = createMcpAuthHandler({ auth, mcp });
  return { server, auth, mcpUrl: `${server.url}/mcp`, errors };
}

const ping = pingMcp;

async function connect(mcpUrl: string, token: string): Promise<Client> {
  const client = new Client({ name: 'authkit-client', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

async function whoami(client: Client) {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, unknown>;
}

let workos: FakeWorkOS;
beforeAll(async () => {
  workos = await startFakeWorkOS();
});
afterAll(() => workos.close());

describe('AuthKitProvider', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve(workos);
  });
  afterAll(() => s.server.close());

  it('401 → RFC 9728 metadata naming AuthKit → AuthKit metadata forwarded → a tool call with an AuthKit token (MCP SDK v2 client)', async () => {
    const challenge = await fetch(s.mcpUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(challenge.status).toBe(401);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge.headers.get('www-authenticate') ?? '')?.[1];
    expect(metadataUrl).toBe(`${s.server.url}/.well-known/oauth-protected-resource/mcp`);
    const prm = (await (await fetch(metadataUrl!)).json()) as { resource: string; authorization_servers: string[] };
    expect(prm).toMatchObject({ resource: s.mcpUrl, authorization_servers: [workos.issuer] });
    expect(s.auth.authorizationServers).toEqual([workos.issuer]);
    await expect(s.auth.ready()).resolves.toBeUndefined();

    const forwarded = await fetch(`${s.server.url}/.well-known/oauth-authorization-server`);
    expect(forwarded.status).toBe(200);
    expect(await forwarded.json()).toEqual(workos.metadata);
    expect(workos.hits('/.well-known/oauth-authorization-server')).toBe(1);

    const token = await workos.sign({ aud: s.mcpUrl, client_id: 'client_01JX0MCPCLIENT', role: 'admin', permissions: ['widgets:read'] });
    expect(await callToolWithToken(s.mcpUrl, token)).toEqual({
      clientId: 'client_01JX0MCPCLIENT',
      subject: LEROY.sub,
      org: ORG_ID,
      role: 'admin',
      permissions: ['widgets:read'],
      scopes: [],
      resource: s.mcpUrl,
    });
  });

  it.each([
    ['another audience (no resource indicator configured: aud is the client id)', { aud: 'client_01JP8BD0CZ401TDF9X54NT5ZEK' }, 'audience'],
    ['no audience', { aud: undefined }, 'audience'],
    ['another issuer', { iss: 'https://other-tenant.authkit.app' }, 'issuer'],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }, 'expired'],
    ['an org_id that is not a string', { org_id: 42 }, 'claim'],
    ['permissions that are not a list of strings', { permissions: 'widgets:read' }, 'claim'],
    ['roles that are not a list of strings', { roles: ['admin', 3] }, 'claim'],
  ])('refuses %s with 401 invalid_token', async (_name, claims, reason) => {
    const res = await ping(s.mcpUrl, await workos.sign({ aud: s.mcpUrl, ...claims }));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(s.errors).toContainEqual(expect.objectContaining({ code: 'ERR_TOKEN_INVALID', reason }));
  });

  it("refuses a token signed by another tenant's key, with its own kid or with this tenant's kid", async () => {
    const other = await startFakeWorkOS();
    try {
      // another AuthKit environment's token, made out for this server and this issuer: the key is not ours
      const foreign = await other.sign({ aud: s.mcpUrl, iss: workos.issuer });
      expect((await ping(s.mcpUrl, foreign)).status).toBe(401);
      const { privateKey } = await generateKeyPair('RS256');
      const ours = JSON.parse(Buffer.from((await workos.sign({})).split('.')[0]!, 'base64url').toString()) as { kid: string };
      expect((await ping(s.mcpUrl, await workos.sign({ aud: s.mcpUrl }, { key: privateKey, kid: ours.kid }))).status).toBe(401);
      expect(s.errors).toContainEqual(expect.objectContaining({ code: 'ERR_TOKEN_INVALID', reason: 'signature' }));
    } finally {
      await other.close();
    }
  });

  it('without permissionsAsScopes, permissions are claims, not scopes: a tool needing one is refused (403)', async () => {
    const client = await connect(s.mcpUrl, await workos.sign({ aud: s.mcpUrl, permissions: ['widgets:delete'] }));
    try {
      expect(await client.callTool({ name: 'delete_widget', arguments: {} }).catch((e: unknown) => e)).toBeInstanceOf(
        InsufficientScopeError,
      );
    } finally {
      await client.close();
    }
  });
});

describe('AuthKitProvider options', () => {
  it('permissionsAsScopes: WorkOS permissions become scopes, for requiredScopes and per-tool checks', async () => {
    const s = await serve(workos, { permissionsAsScopes: true, requiredScopes: ['widgets:read'] });
    try {
      const reader = await workos.sign({ aud: s.mcpUrl, scope: 'openid', permissions: ['widgets:read'] });
      const res = await ping(s.mcpUrl, await workos.sign({ aud: s.mcpUrl, permissions: ['widgets:write'] }));
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('scope="widgets:read"');
      const client = await connect(s.mcpUrl, reader);
      try {
        expect((await whoami(client))['scopes']).toEqual(['openid', 'widgets:read']);
        expect(await client.callTool({ name: 'delete_widget', arguments: {} }).catch((e: unknown) => e)).toBeInstanceOf(
          InsufficientScopeError,
        );
      } finally {
        await client.close();
      }
      const admin = await connect(s.mcpUrl, await workos.sign({ aud: s.mcpUrl, permissions: ['widgets:read', 'widgets:delete'] }));
      try {
        expect(await admin.callTool({ name: 'delete_widget', arguments: {} })).toMatchObject({ content: [{ text: 'deleted' }] });
      } finally {
        await admin.close();
      }
      const prm = (await (await fetch(`${s.server.url}/.well-known/oauth-protected-resource/mcp`)).json()) as {
        scopes_supported: string[];
      };
      expect(prm.scopes_supported).toEqual(['widgets:read']);
    } finally {
      await s.server.close();
    }
  });

  it.each(['server_error', 'malformed', 'hang'] as const)(
    'a JWKS that is %s: 502 (an outage: retry, not sign in again), reported, not cached',
    async (mode) => {
      const fresh = await startFakeWorkOS();
      const s = await serve(fresh, { http: { timeoutMs: 300 } });
      try {
        fresh.setJwksMode(mode);
        const token = await fresh.sign({ aud: s.mcpUrl });
        expect((await ping(s.mcpUrl, token)).status).toBe(502);
        expect(s.errors.some((e) => (e as { code?: string }).code === 'ERR_UPSTREAM')).toBe(true);
        fresh.setJwksMode('up');
        expect((await ping(s.mcpUrl, token)).status).toBe(200);
      } finally {
        await s.server.close();
        await fresh.close();
      }
    },
  );

  it('forwardAuthorizationServerMetadata: false serves no AS metadata; AuthKit metadata naming another issuer is a 502', async () => {
    const off = await serve(workos, { forwardAuthorizationServerMetadata: false });
    try {
      expect((await fetch(`${off.server.url}/.well-known/oauth-authorization-server`)).status).toBe(404);
    } finally {
      await off.server.close();
    }
    const liar = await listen((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer: 'https://evil.example.com' }));
    });
    const s = await serve(workos, { authkitDomain: liar.url });
    try {
      expect((await fetch(`${s.server.url}/.well-known/oauth-authorization-server`)).status).toBe(502);
    } finally {
      await s.server.close();
      await liar.close();
    }
  });

  it('the resource URL from resourceUrl or baseUrl + mcpPath is the audience', async () => {
    const byUrl = new AuthKitProvider({ authkitDomain: workos.url, resourceUrl: 'https://mcp.example.com/tools' });
    expect(byUrl.resourceUrl).toBe('https://mcp.example.com/tools');
    expect(await byUrl.verifier.verifyToken(await workos.sign({ aud: 'https://mcp.example.com/tools' }))).toMatchObject({
      subject: LEROY.sub,
      resource: 'https://mcp.example.com/tools',
    });
    expect(await byUrl.verifier.verifyToken(await workos.sign({ aud: 'https://mcp.example.com/mcp' }))).toBeNull();
    const byBase = new AuthKitProvider({
      authkitDomain: 'example-app.authkit.app',
      baseUrl: 'https://mcp.example.com',
      mcpPath: '/v1/mcp',
    });
    expect(byBase.resourceUrl).toBe('https://mcp.example.com/v1/mcp');
    expect(byBase.authorizationServers).toEqual(['https://example-app.authkit.app']);
    expect(byBase.endpoints.jwksUri).toBe('https://example-app.authkit.app/oauth2/jwks');
  });

  it('refuses bad options at construction', () => {
    const base = { baseUrl: 'https://mcp.example.com' };
    expect(() => new AuthKitProvider(undefined as never)).toThrow(TypeError);
    expect(() => new AuthKitProvider({ ...base, authkitDomain: 'http://example-app.authkit.app' })).toThrow(/must use https/);
    expect(() => new AuthKitProvider({ ...base, authkitDomain: 'https://example-app.authkit.app/x' })).toThrow(TypeError);
    expect(() => new AuthKitProvider({ ...base, authkitDomain: undefined as never })).toThrow(TypeError);
    expect(() => new AuthKitProvider({ ...base, authkitDomain: 'example-app.authkit.app', permissionsAsScopes: 'yes' as never })).toThrow(
      TypeError,
    );
    expect(() => new AuthKitProvider({ baseUrl: 'http://mcp.example.com', authkitDomain: 'example-app.authkit.app' })).toThrow(TypeError);
    expect(() => new AuthKitProvider({ ...base, authkitDomain: 'example-app.authkit.app', jwt: { cache: { ttlSeconds: -1 } } })).toThrow(
      TypeError,
    );
  });
});
