import { listen, type Listening } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import type { FetchHandler } from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SupabaseProvider, supabaseEndpoints, type SupabaseProviderOptions } from '../src/index.js';
import { startFakeSupabase, type FakeSupabase } from './fake-supabase.js';

interface Served {
  server: Listening;
  auth: SupabaseProvider;
  mcpUrl: string;
  errors: unknown[];
}

/** An SDK v2 MCP server (tool `whoami`) behind a SupabaseProvider, on loopback. */
async function serve(
  supabase: FakeSupabase,
  overrides: Partial<Omit<SupabaseProviderOptions, 'resourceUrl' | 'baseUrl' | 'mcpPath'>> = {},
): Promise<Served> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server = await listen(toNodeHandler((request) => app(request)));
  const errors: unknown[] = [];
  const auth = new SupabaseProvider({ projectUrl: supabase.url, baseUrl: server.url, onError: (e) => errors.push(e), ...overrides });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'supabase-test', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      return {
        content: [
          {
            type: 'text',
            text: JSON.stringify({
              clientId: info?.clientId,
              subject: info?.extra?.['subject'],
              email: (info?.extra?.['claims'] as Record<string, unknown> | undefined)?.['email'],
              resource: info?.resource?.href,
            }),
          },
        ],
      };
    });
    return s;
  });
  app = createMcpAuthHandler({ auth, mcp });
  return { server, auth, mcpUrl: `${server.url}/mcp`, errors };
}

const ping = (url: string, token: string) =>
  fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

async function whoami(mcpUrl: string, token: string) {
  const client = new Client({ name: 'supabase-client', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  try {
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    return JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, string>;
  } finally {
    await client.close();
  }
}

let supabase: FakeSupabase;
beforeAll(async () => {
  supabase = await startFakeSupabase();
});
afterAll(() => supabase.close());

describe('SupabaseProvider (ES256, the default)', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve(supabase);
  });
  afterAll(() => s.server.close());

  it('lets the MCP SDK v2 client call a tool with a Supabase OAuth access token', async () => {
    const token = await supabase.sign({ sub: '3f0c7a52-1d7e-4a8e-9d0b-2c6f5a1e9b11', email: 'ada@example.com' });
    expect(await whoami(s.mcpUrl, token)).toEqual({
      clientId: '9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d',
      subject: '3f0c7a52-1d7e-4a8e-9d0b-2c6f5a1e9b11',
      email: 'ada@example.com',
    });
  });

  it('publishes RFC 9728 metadata naming Supabase Auth as the authorization server', async () => {
    const res = await fetch(`${s.server.url}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ resource: s.mcpUrl, authorization_servers: [supabase.issuer] });
    const challenge = await fetch(s.mcpUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toContain(
      `resource_metadata="${s.server.url}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it("forwards Supabase's RFC 8414 metadata, fetched from the path-inserted well-known URL", async () => {
    const before = supabase.hits('/.well-known/oauth-authorization-server/auth/v1');
    const res = await fetch(`${s.server.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(supabase.metadata);
    await fetch(`${s.server.url}/.well-known/oauth-authorization-server`);
    expect(supabase.hits('/.well-known/oauth-authorization-server/auth/v1')).toBe(before + 1);
  });

  it.each([
    ['another audience', { aud: 'anon' }, 'audience'],
    ['another issuer', { iss: 'https://other.supabase.co/auth/v1' }, 'issuer'],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }, 'expired'],
  ])('refuses %s with 401 invalid_token', async (_name, claims, reason) => {
    const res = await ping(s.mcpUrl, await supabase.sign(claims));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(s.errors).toContainEqual(expect.objectContaining({ code: 'ERR_TOKEN_INVALID', reason }));
  });

  it('refuses a token signed by a key that is not in the project JWKS, even with a known kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const known = await supabase.sign({});
    const kid = JSON.parse(Buffer.from(known.split('.')[0]!, 'base64url').toString()).kid as string;
    expect((await ping(s.mcpUrl, await supabase.sign({}, { key: privateKey, kid }))).status).toBe(401);
    expect((await ping(s.mcpUrl, await supabase.sign({}, { key: privateKey, kid: 'unknown-kid' }))).status).toBe(401);
  });

  it('refuses the session tokens of the app itself (no client_id) unless allowed', async () => {
    const session = await supabase.sign({ client_id: undefined });
    expect((await ping(s.mcpUrl, session)).status).toBe(401);
    expect(s.errors).toContainEqual(expect.objectContaining({ code: 'ERR_TOKEN_INVALID', reason: 'claim' }));
    const lenient = await serve(supabase, { allowSessionTokens: true });
    try {
      expect((await ping(lenient.mcpUrl, session)).status).toBe(200);
    } finally {
      await lenient.server.close();
    }
  });

  it('refuses an RS256 token when the project is configured for ES256 (algorithm pinned)', async () => {
    await supabase.addRsaKey();
    expect((await ping(s.mcpUrl, await supabase.sign({}, { alg: 'RS256' }))).status).toBe(401);
  });
});

describe('SupabaseProvider options', () => {
  it('RS256 projects', async () => {
    await supabase.addRsaKey();
    const s = await serve(supabase, { algorithm: 'RS256' });
    try {
      expect((await whoami(s.mcpUrl, await supabase.sign({ sub: 'rsa-user' }, { alg: 'RS256' }))).subject).toBe('rsa-user');
      expect((await ping(s.mcpUrl, await supabase.sign({}, { alg: 'ES256' }))).status).toBe(401);
    } finally {
      await s.server.close();
    }
  });

  it('requiredScopes: 403 insufficient_scope without them, advertised in the metadata', async () => {
    const s = await serve(supabase, { requiredScopes: ['mcp:tools'] });
    try {
      const res = await ping(s.mcpUrl, await supabase.sign({}));
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(res.headers.get('www-authenticate')).toContain('scope="mcp:tools"');
      expect((await ping(s.mcpUrl, await supabase.sign({ scope: 'openid mcp:tools' }))).status).toBe(200);
      const prm = (await (await fetch(`${s.server.url}/.well-known/oauth-protected-resource/mcp`)).json()) as {
        scopes_supported: string[];
      };
      expect(prm.scopes_supported).toEqual(['mcp:tools']);
    } finally {
      await s.server.close();
    }
  });

  it('a custom audience', async () => {
    const s = await serve(supabase, { audience: 'mcp' });
    try {
      expect((await ping(s.mcpUrl, await supabase.sign({ aud: 'mcp' }))).status).toBe(200);
      expect((await ping(s.mcpUrl, await supabase.sign({}))).status).toBe(401);
    } finally {
      await s.server.close();
    }
  });

  it.each(['server_error', 'malformed', 'hang'] as const)(
    'a JWKS that is %s: 502 (an outage: retry, not sign in again; never 500 or a hang), reported',
    async (mode) => {
      const fresh = await startFakeSupabase();
      const s = await serve(fresh, { http: { timeoutMs: 300 } });
      try {
        fresh.setJwksMode(mode);
        const token = await fresh.sign({});
        const res = await ping(s.mcpUrl, token);
        expect(res.status).toBe(502);
        expect(s.errors.some((e) => (e as { code?: string }).code === 'ERR_UPSTREAM')).toBe(true);
        fresh.setJwksMode('up');
        expect((await ping(s.mcpUrl, token)).status).toBe(200); // the outage was not cached
      } finally {
        await s.server.close();
        await fresh.close();
      }
    },
  );

  it('an upstream metadata failure answers 502, not cached', async () => {
    const s = await serve(supabase, { projectUrl: `${supabase.url}/missing` });
    try {
      expect((await fetch(`${s.server.url}/.well-known/oauth-authorization-server`)).status).toBe(502);
    } finally {
      await s.server.close();
    }
  });

  it('endpoints follow projectUrl and authRoute (self-hosted)', () => {
    expect(supabaseEndpoints('https://abc.supabase.co/')).toEqual({
      issuer: 'https://abc.supabase.co/auth/v1',
      jwksUri: 'https://abc.supabase.co/auth/v1/.well-known/jwks.json',
      metadataUrl: 'https://abc.supabase.co/.well-known/oauth-authorization-server/auth/v1',
    });
    expect(supabaseEndpoints('https://example.com/supabase', '/auth')).toEqual({
      issuer: 'https://example.com/supabase/auth',
      jwksUri: 'https://example.com/supabase/auth/.well-known/jwks.json',
      metadataUrl: 'https://example.com/.well-known/oauth-authorization-server/supabase/auth',
    });
  });

  it('refuses bad options at construction', () => {
    const base = { baseUrl: 'https://mcp.example.com' };
    expect(() => new SupabaseProvider({ ...base, projectUrl: 'not a url' })).toThrow(TypeError);
    expect(() => new SupabaseProvider({ ...base, projectUrl: 'https://abc.supabase.co', authRoute: 'auth/v1' })).toThrow(TypeError);
    expect(() => new SupabaseProvider({ ...base, projectUrl: 'https://abc.supabase.co', algorithm: 'HS256' as never })).toThrow(TypeError);
    expect(() => new SupabaseProvider({ ...base, projectUrl: 'http://abc.supabase.co' })).toThrow(TypeError);
    expect(new SupabaseProvider({ ...base, projectUrl: 'https://abc.supabase.co' }).metadata.authorization_servers).toEqual([
      'https://abc.supabase.co/auth/v1',
    ]);
  });

  it('is an AuthProvider like every provider: its authorization servers, ready at once, either form of the MCP location', async () => {
    const byBase = new SupabaseProvider({ baseUrl: 'https://mcp.example.com', mcpPath: '/v1/mcp', projectUrl: 'https://abc.supabase.co' });
    expect(byBase.authorizationServers).toEqual(['https://abc.supabase.co/auth/v1']);
    expect(byBase.resourceUrl).toBe('https://mcp.example.com/v1/mcp');
    await expect(byBase.ready()).resolves.toBeUndefined();
    const byUrl = new SupabaseProvider({ resourceUrl: 'https://mcp.example.com/tools', projectUrl: 'https://abc.supabase.co' });
    expect(byUrl.resourceUrl).toBe('https://mcp.example.com/tools');
  });
});
