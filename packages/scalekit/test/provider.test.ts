import type { FetchHandler } from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { callToolWithToken, listen, pingMcp, type Listening } from '@mcpauth/testing';
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScalekitProvider, scalekitEndpoints, type ScalekitProviderOptions } from '../src/index.js';
import { startFakeScalekit, type FakeScalekit } from './fake-scalekit.js';

interface Served {
  server: Listening;
  auth: ScalekitProvider;
  mcpUrl: string;
  errors: unknown[];
}

type Overrides = Partial<Omit<ScalekitProviderOptions, 'resourceUrl' | 'baseUrl' | 'mcpPath'>>;

/** An SDK v2 MCP server (tool `whoami`) behind a ScalekitProvider, on loopback. */
async function serve(scalekit: FakeScalekit, overrides: Overrides = {}): Promise<Served> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server = await listen(toNodeHandler((request) => app(request)));
  const errors: unknown[] = [];
  const auth = new ScalekitProvider({
    environmentUrl: scalekit.url,
    resourceId: scalekit.resourceId,
    baseUrl: server.url,
    onError: (e) => errors.push(e),
    ...overrides,
  });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'scalekit-test', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      const claims = info?.extra?.['claims'] as Record<string, unknown> | undefined;
      return {
        content: [
          {
            type: 'text',
            text: JSON.stringify({
              clientId: info?.clientId,
              subject: info?.extra?.['subject'],
              scopes: info?.scopes,
              sid: claims?.['sid'],
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

const now = () => Math.floor(Date.now() / 1000);

let scalekit: FakeScalekit;
beforeAll(async () => {
  scalekit = await startFakeScalekit();
});
afterAll(() => scalekit.close());

describe('ScalekitProvider', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve(scalekit);
  });
  afterAll(() => s.server.close());

  it('MCP SDK client: 401 → resource_metadata → Scalekit as authorization server → forwarded metadata → tool call', async () => {
    const challenge = await pingMcp(s.mcpUrl);
    expect(challenge.status).toBe(401);
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(challenge);
    expect(resourceMetadataUrl?.href).toBe(`${s.server.url}/.well-known/oauth-protected-resource/mcp`);

    const prm = await discoverOAuthProtectedResourceMetadata(s.mcpUrl, { resourceMetadataUrl: resourceMetadataUrl! });
    expect(prm.resource).toBe(s.mcpUrl);
    expect(prm.authorization_servers).toEqual([`${scalekit.url}/resources/${scalekit.resourceId}`]);

    // a current client discovers Scalekit's metadata from the authorization server (issuer checked by the SDK) …
    const upstream = await discoverAuthorizationServerMetadata(prm.authorization_servers![0]!);
    expect(upstream).toMatchObject({
      issuer: scalekit.authorizationServer,
      registration_endpoint: scalekit.metadata['registration_endpoint'],
    });
    // … a 2025-03-26 client looks on the MCP server's origin: the same document, forwarded
    const forwarded = await discoverAuthorizationServerMetadata(s.server.url, { skipIssuerValidation: true });
    expect(forwarded).toEqual(scalekit.metadata);

    const token = await scalekit.sign({ sub: 'usr_42', client_id: 'dcr_client_7', scope: 'todo:read' });
    expect(await callToolWithToken(s.mcpUrl, token)).toEqual({
      clientId: 'dcr_client_7',
      subject: 'usr_42',
      scopes: ['todo:read'],
      sid: 'ses_98765432109876543',
    });
  });

  it('accepts a token whose aud also names the Server URL registered in Scalekit', async () => {
    expect((await pingMcp(s.mcpUrl, await scalekit.sign({ aud: [scalekit.resourceId, 'https://mcp.example.com'] }))).status).toBe(200);
    expect((await pingMcp(s.mcpUrl, await scalekit.sign({ aud: scalekit.resourceId }))).status).toBe(200);
  });

  it.each([
    ['another resource id', { aud: ['res_00000000000'] }, 'audience'],
    ['another issuer', { iss: 'https://other.scalekit.com' }, 'issuer'],
    ['an expired token', { exp: now() - 3600, iat: now() - 7200, nbf: now() - 7200 }, 'expired'],
    ['a token without aud (older Scalekit tokens)', { aud: undefined }, 'audience'],
  ])('refuses %s with 401 invalid_token, reason reported', async (_name, claims, reason) => {
    const res = await pingMcp(s.mcpUrl, await scalekit.sign(claims));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(s.errors).toContainEqual(expect.objectContaining({ code: 'ERR_TOKEN_INVALID', reason }));
  });

  it('refuses a token signed by a key that is not in the JWKS, with a known or an unknown kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const kid = JSON.parse(Buffer.from((await scalekit.sign()).split('.')[0]!, 'base64url').toString()).kid as string;
    expect((await pingMcp(s.mcpUrl, await scalekit.sign({}, { key: privateKey, kid }))).status).toBe(401);
    expect((await pingMcp(s.mcpUrl, await scalekit.sign({}, { key: privateKey, kid: 'snk_unknown' }))).status).toBe(401);
  });

  it('fetches the forwarded metadata from the path-inserted well-known URL, once per cache period', async () => {
    const path = `/.well-known/oauth-authorization-server/resources/${scalekit.resourceId}`;
    const fresh = await serve(scalekit);
    try {
      const before = scalekit.hits(path);
      expect((await fetch(`${fresh.server.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
      expect((await fetch(`${fresh.server.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
      expect(scalekit.hits(path)).toBe(before + 1);
    } finally {
      await fresh.server.close();
    }
  });
});

describe('ScalekitProvider options and failures', () => {
  it('dangerouslyAcceptTokensWithoutAudience: accepts a token without aud, still refuses another resource id', async () => {
    const s = await serve(scalekit, { dangerouslyAcceptTokensWithoutAudience: true });
    try {
      expect((await callToolWithToken(s.mcpUrl, await scalekit.sign({ aud: undefined, sub: 'usr_legacy' })))['subject']).toBe('usr_legacy');
      expect((await pingMcp(s.mcpUrl, await scalekit.sign({ aud: 'res_00000000000' }))).status).toBe(401);
      expect((await pingMcp(s.mcpUrl, await scalekit.sign({}))).status).toBe(200);
    } finally {
      await s.server.close();
    }
  });

  it('requiredScopes: 403 insufficient_scope without them, advertised in the metadata', async () => {
    const s = await serve(scalekit, { requiredScopes: ['todo:write'] });
    try {
      const res = await pingMcp(s.mcpUrl, await scalekit.sign({ scope: 'todo:read' }));
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(res.headers.get('www-authenticate')).toContain('scope="todo:write"');
      expect((await pingMcp(s.mcpUrl, await scalekit.sign({ scope: 'todo:read todo:write' }))).status).toBe(200);
      expect(s.auth.metadata.scopes_supported).toEqual(['todo:write']);
    } finally {
      await s.server.close();
    }
  });

  it.each(['server_error', 'rate_limited', 'malformed', 'hang'] as const)(
    'a JWKS that is %s: 502 (an outage, not a refusal), reported, not cached',
    async (mode) => {
      const fresh = await startFakeScalekit();
      const s = await serve(fresh, { http: { timeoutMs: 300 } });
      try {
        fresh.setJwksMode(mode);
        const token = await fresh.sign();
        expect((await pingMcp(s.mcpUrl, token)).status).toBe(502);
        expect(s.errors.some((e) => (e as { code?: string }).code === 'ERR_UPSTREAM')).toBe(true);
        fresh.setJwksMode('up');
        expect((await pingMcp(s.mcpUrl, token)).status).toBe(200);
      } finally {
        await s.server.close();
        await fresh.close();
      }
    },
  );

  it.each(['server_error', 'rate_limited', 'malformed', 'hang', 'wrong_issuer'] as const)(
    'forwarded metadata that is %s: 502, not cached (the next request succeeds)',
    async (mode) => {
      const fresh = await startFakeScalekit();
      const s = await serve(fresh, { http: { timeoutMs: 300 } });
      try {
        fresh.setMetadataMode(mode);
        const res = await fetch(`${s.server.url}/.well-known/oauth-authorization-server`);
        expect(res.status).toBe(502);
        expect(await res.json()).toMatchObject({ error: 'server_error' });
        fresh.setMetadataMode('up');
        expect(await (await fetch(`${s.server.url}/.well-known/oauth-authorization-server`)).json()).toEqual(fresh.metadata);
      } finally {
        await s.server.close();
        await fresh.close();
      }
    },
  );

  it('forwardAuthorizationServerMetadata: false serves no authorization server metadata', async () => {
    const s = await serve(scalekit, { forwardAuthorizationServerMetadata: false });
    try {
      expect((await fetch(`${s.server.url}/.well-known/oauth-authorization-server`)).status).toBe(404);
    } finally {
      await s.server.close();
    }
  });

  it('endpoints follow the environment URL and resource id', () => {
    expect(scalekitEndpoints('https://acme.scalekit.com/', 'res_1')).toEqual({
      issuer: 'https://acme.scalekit.com',
      authorizationServer: 'https://acme.scalekit.com/resources/res_1',
      jwksUri: 'https://acme.scalekit.com/keys',
      metadataUrl: 'https://acme.scalekit.com/.well-known/oauth-authorization-server/resources/res_1',
    });
  });

  it('refuses bad options at construction with TypeError', () => {
    const base = { baseUrl: 'https://mcp.example.com', environmentUrl: 'https://acme.scalekit.com', resourceId: 'res_1' };
    expect(() => new ScalekitProvider({ ...base, environmentUrl: 'not a url' })).toThrow(TypeError);
    expect(() => new ScalekitProvider({ ...base, environmentUrl: 'http://acme.scalekit.com' })).toThrow(TypeError);
    expect(() => new ScalekitProvider({ ...base, environmentUrl: 'https://acme.scalekit.com/?x=1' })).toThrow(TypeError);
    expect(() => new ScalekitProvider({ ...base, resourceId: '' })).toThrow(TypeError);
    expect(() => new ScalekitProvider({ ...base, resourceId: 'res/../keys' })).toThrow(TypeError);
    expect(() => new ScalekitProvider({ ...base, resourceId: undefined as never })).toThrow(TypeError);
    expect(() => new ScalekitProvider({ ...base, dangerouslyAcceptTokensWithoutAudience: 'yes' as never })).toThrow(TypeError);
    expect(() => new ScalekitProvider(undefined as never)).toThrow(TypeError);
  });

  it('is an AuthProvider like every provider: its authorization server, ready at once, either form of the MCP location', async () => {
    const byBase = new ScalekitProvider({
      baseUrl: 'https://mcp.example.com',
      mcpPath: '/v1/mcp',
      environmentUrl: 'https://acme.scalekit.com',
      resourceId: 'res_1',
    });
    expect(byBase.authorizationServers).toEqual(['https://acme.scalekit.com/resources/res_1']);
    expect(byBase.resourceUrl).toBe('https://mcp.example.com/v1/mcp');
    await expect(byBase.ready()).resolves.toBeUndefined();
    const byUrl = new ScalekitProvider({
      resourceUrl: 'https://mcp.example.com/tools',
      environmentUrl: 'https://acme.scalekit.com',
      resourceId: 'res_1',
    });
    expect(byUrl.resourceUrl).toBe('https://mcp.example.com/tools');
  });
});
