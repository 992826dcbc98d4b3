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
import { DescopeProvider, descopeEndpoints, type DescopeClaims, type DescopeProviderOptions } from '../src/index.js';
import { startFakeDescope, type FakeDescope } from './fake-descope.js';

interface Served {
  server: Listening;
  auth: DescopeProvider;
  mcpUrl: string;
  errors: unknown[];
}

type Overrides = Partial<
  Omit<DescopeProviderOptions, 'resourceUrl' | 'baseUrl' | 'mcpPath' | 'configUrl' | 'projectId' | 'descopeBaseUrl'>
>;
type Project = { configUrl: string } | { projectId: string; descopeBaseUrl: string };

/** An SDK v2 MCP server (tool `whoami`) behind a DescopeProvider, on loopback. */
async function serve(project: Project, overrides: Overrides = {}): Promise<Served> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server = await listen(toNodeHandler((request) => app(request)));
  const errors: unknown[] = [];
  const auth = new DescopeProvider({ ...project, baseUrl: server.url, onError: (e) => errors.push(e), ...overrides });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'descope-test', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      const claims = info?.extra?.['claims'] as DescopeClaims | undefined;
      const text = JSON.stringify({
        clientId: info?.clientId,
        subject: info?.extra?.['subject'],
        scopes: info?.scopes,
        roles: claims?.roles,
        tenantRoles: claims?.tenants?.[claims.dct ?? '']?.roles,
      });
      return { content: [{ type: 'text', text }] };
    });
    return s;
  });
  app = createMcpAuthHandler({ auth, mcp });
  return { server, auth, mcpUrl: `${server.url}/mcp`, errors };
}

const now = () => Math.floor(Date.now() / 1000);

let descope: FakeDescope;
beforeAll(async () => {
  descope = await startFakeDescope();
});
afterAll(() => descope.close());

describe('DescopeProvider (configUrl: an MCP server of the Descope console)', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve({ configUrl: descope.configUrl });
  });
  afterAll(() => s.server.close());

  it('MCP SDK client: 401 → resource_metadata → the Descope MCP server → forwarded metadata → tool call', async () => {
    const challenge = await pingMcp(s.mcpUrl);
    expect(challenge.status).toBe(401);
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(challenge);
    expect(resourceMetadataUrl?.href).toBe(`${s.server.url}/.well-known/oauth-protected-resource/mcp`);

    const prm = await discoverOAuthProtectedResourceMetadata(s.mcpUrl, { resourceMetadataUrl: resourceMetadataUrl! });
    expect(prm).toMatchObject({ resource: s.mcpUrl, authorization_servers: [descope.issuer] });

    // a current client discovers Descope's document from the issuer (the SDK checks its issuer) …
    expect(await discoverAuthorizationServerMetadata(prm.authorization_servers![0]!)).toMatchObject({
      issuer: descope.issuer,
      registration_endpoint: descope.metadata['registration_endpoint'],
    });
    // … a 2025-03-26 client looks on the MCP server's origin: the same document, forwarded
    expect(await discoverAuthorizationServerMetadata(s.server.url, { skipIssuerValidation: true })).toEqual(descope.metadata);

    const token = await descope.sign({ sub: 'U2ada' });
    expect(await callToolWithToken(s.mcpUrl, token)).toEqual({
      clientId: descope.clientId, // from aud = [client id, project id]
      subject: 'U2ada',
      scopes: ['mcp:schedule_meetings'], // permissions are not scopes unless asked
      roles: ['Tenant Admin'],
      tenantRoles: ['editor'],
    });
  });

  it.each([
    ['another project', { aud: ['UDCRabc0123456789client', 'P0therProject'] }, 'audience'],
    ['the project-level issuer (another authorization server)', { iss: 'PROJECT_ISSUER' }, 'issuer'],
    ['another issuer', { iss: 'https://api.descope.com/v1/apps/agentic/P0ther/MS0ther' }, 'issuer'],
    ['an expired token', { exp: now() - 3600, iat: now() - 7200 }, 'expired'],
  ])('refuses %s with 401 invalid_token, reason reported', async (_name, claims: Record<string, unknown>, reason) => {
    const payload = claims['iss'] === 'PROJECT_ISSUER' ? { ...claims, iss: descope.projectIssuer } : claims;
    const res = await pingMcp(s.mcpUrl, await descope.sign(payload));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(s.errors).toContainEqual(expect.objectContaining({ code: 'ERR_TOKEN_INVALID', reason }));
  });

  it('refuses a token signed by a key that is not in the JWKS, with a known or an unknown kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const kid = JSON.parse(Buffer.from((await descope.sign()).split('.')[0]!, 'base64url').toString()).kid as string;
    expect((await pingMcp(s.mcpUrl, await descope.sign({}, { key: privateKey, kid }))).status).toBe(401);
    expect((await pingMcp(s.mcpUrl, await descope.sign({}, { key: privateKey, kid: 'unknown-kid' }))).status).toBe(401);
  });

  it('a token with client_id or azp names its client by it', async () => {
    expect((await callToolWithToken(s.mcpUrl, await descope.sign({ azp: 'agent-azp' })))['clientId']).toBe('agent-azp');
    expect((await callToolWithToken(s.mcpUrl, await descope.sign({ client_id: 'agent-cid', azp: 'agent-azp' })))['clientId']).toBe(
      'agent-cid',
    );
  });
});

describe('DescopeProvider options and failures', () => {
  it('projectId + descopeBaseUrl: the project-level issuer, its metadata forwarded from {base}/v1/apps/{projectId}', async () => {
    const s = await serve({ projectId: descope.projectId, descopeBaseUrl: descope.url });
    try {
      expect(s.auth.authorizationServers).toEqual([descope.projectIssuer]);
      const path = `/v1/apps/${descope.projectId}/.well-known/oauth-authorization-server`;
      const before = descope.hits(path);
      expect(await (await fetch(`${s.server.url}/.well-known/oauth-authorization-server`)).json()).toEqual(descope.projectMetadata);
      expect(await (await fetch(`${s.server.url}/.well-known/oauth-authorization-server`)).json()).toEqual(descope.projectMetadata);
      expect(descope.hits(path)).toBe(before + 1); // cached
      expect((await callToolWithToken(s.mcpUrl, await descope.sign({ iss: descope.projectIssuer, sub: 'U2p' })))['subject']).toBe('U2p');
      expect((await pingMcp(s.mcpUrl, await descope.sign())).status).toBe(401); // the MCP server's issuer is another one
    } finally {
      await s.server.close();
    }
  });

  it("permissionsAsScopes: project and current-tenant permissions become scopes (not other tenants'), usable by requiredScopes", async () => {
    const s = await serve({ configUrl: descope.configUrl }, { permissionsAsScopes: true, requiredScopes: ['contacts:read'] });
    try {
      expect((await callToolWithToken(s.mcpUrl, await descope.sign()))['scopes']).toEqual([
        'mcp:schedule_meetings',
        'calendar:read',
        'contacts:read',
      ]);
      const otherTenant = await pingMcp(s.mcpUrl, await descope.sign({ dct: 'T2other' }));
      expect(otherTenant.status).toBe(403);
      expect(otherTenant.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect((await pingMcp(s.mcpUrl, await descope.sign({ dct: '__proto__' }))).status).toBe(403);
      expect(
        (await pingMcp(s.mcpUrl, await descope.sign({ permissions: ['contacts:read', 'not a scope', 7], dct: undefined }))).status,
      ).toBe(200);
    } finally {
      await s.server.close();
    }
  });

  it('requiredScopes without permissionsAsScopes: a permission is not a scope', async () => {
    const s = await serve({ configUrl: descope.configUrl }, { requiredScopes: ['calendar:read'] });
    try {
      const res = await pingMcp(s.mcpUrl, await descope.sign());
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('scope="calendar:read"');
      expect((await pingMcp(s.mcpUrl, await descope.sign({ scope: 'calendar:read' }))).status).toBe(200);
    } finally {
      await s.server.close();
    }
  });

  it.each(['server_error', 'rate_limited', 'unauthorized', 'malformed', 'hang'] as const)(
    'a JWKS that is %s: 502 (an outage, not a refusal), reported, not cached',
    async (mode) => {
      const fresh = await startFakeDescope();
      const s = await serve({ configUrl: fresh.configUrl }, { http: { timeoutMs: 300 } });
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

  it.each(['server_error', 'rate_limited', 'unauthorized', 'malformed', 'hang', 'wrong_issuer'] as const)(
    'forwarded metadata that is %s: 502, not cached (the next request succeeds)',
    async (mode) => {
      const fresh = await startFakeDescope();
      const s = await serve({ configUrl: fresh.configUrl }, { http: { timeoutMs: 300 } });
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

  it('endpoints: derived from the Well-Known URL (custom domains and project-level apps too), or from the project id', () => {
    expect(
      descopeEndpoints({ configUrl: 'https://api.descope.com/v1/apps/agentic/P2abc/MS2def/.well-known/openid-configuration' }),
    ).toEqual({
      issuer: 'https://api.descope.com/v1/apps/agentic/P2abc/MS2def',
      projectId: 'P2abc',
      descopeBaseUrl: 'https://api.descope.com',
      jwksUri: 'https://api.descope.com/P2abc/.well-known/jwks.json',
      metadataUrl: 'https://api.descope.com/v1/apps/agentic/P2abc/MS2def/.well-known/oauth-authorization-server',
    });
    expect(descopeEndpoints({ configUrl: 'https://auth.example.com/v1/apps/P2abc/.well-known/oauth-authorization-server' })).toMatchObject({
      issuer: 'https://auth.example.com/v1/apps/P2abc',
      projectId: 'P2abc',
      jwksUri: 'https://auth.example.com/P2abc/.well-known/jwks.json',
    });
    expect(descopeEndpoints({ projectId: 'P2abc' })).toEqual({
      issuer: 'https://api.descope.com/v1/apps/P2abc',
      projectId: 'P2abc',
      descopeBaseUrl: 'https://api.descope.com',
      jwksUri: 'https://api.descope.com/P2abc/.well-known/jwks.json',
      metadataUrl: 'https://api.descope.com/v1/apps/P2abc/.well-known/oauth-authorization-server',
    });
    expect(descopeEndpoints({ projectId: 'P2abc', descopeBaseUrl: 'https://api.euc1.descope.com/' }).jwksUri).toBe(
      'https://api.euc1.descope.com/P2abc/.well-known/jwks.json',
    );
  });

  it.each([
    ['not a URL', 'api.descope.com/v1/apps/agentic/P2abc/MS2def/.well-known/openid-configuration'],
    ['http', 'http://api.descope.com/v1/apps/agentic/P2abc/MS2def/.well-known/openid-configuration'],
    ['no well-known suffix', 'https://api.descope.com/v1/apps/agentic/P2abc/MS2def'],
    ['the JWKS URL', 'https://api.descope.com/P2abc/.well-known/jwks.json'],
    ['no project', 'https://api.descope.com/v1/apps/agentic/.well-known/openid-configuration'],
    ['a missing MCP server id', 'https://api.descope.com/v1/apps/agentic/P2abc/.well-known/openid-configuration'],
    ['a query', 'https://api.descope.com/v1/apps/P2abc/.well-known/openid-configuration?x=1'],
  ])('refuses a malformed configUrl (%s) with a TypeError that says what is expected', (_name, configUrl) => {
    expect(() => new DescopeProvider({ configUrl, baseUrl: 'https://mcp.example.com' })).toThrow(TypeError);
    if (configUrl.startsWith('https://')) {
      expect(() => new DescopeProvider({ configUrl, baseUrl: 'https://mcp.example.com' })).toThrow(
        /Well-Known URL of a Descope MCP server/,
      );
    }
  });

  it('refuses other bad options at construction with TypeError', () => {
    const base = { baseUrl: 'https://mcp.example.com' };
    expect(() => new DescopeProvider({ ...base } as never)).toThrow(TypeError);
    expect(() => new DescopeProvider({ ...base, projectId: 'P2abc', configUrl: descope.configUrl } as never)).toThrow(TypeError);
    expect(() => new DescopeProvider({ ...base, configUrl: descope.configUrl, descopeBaseUrl: 'https://x.example.com' } as never)).toThrow(
      TypeError,
    );
    expect(() => new DescopeProvider({ ...base, projectId: '' })).toThrow(TypeError);
    expect(() => new DescopeProvider({ ...base, projectId: 'P2/../keys' })).toThrow(TypeError);
    expect(() => new DescopeProvider({ ...base, projectId: 'P2abc', descopeBaseUrl: 'http://api.descope.com' })).toThrow(TypeError);
    expect(() => new DescopeProvider({ ...base, projectId: 'P2abc', permissionsAsScopes: 'yes' as never })).toThrow(TypeError);
    expect(() => new DescopeProvider(undefined as never)).toThrow(TypeError);
  });

  it('is an AuthProvider like every provider: its authorization server, ready at once, either form of the MCP location', async () => {
    const byBase = new DescopeProvider({ projectId: 'P2abc', baseUrl: 'https://mcp.example.com', mcpPath: '/v1/mcp' });
    expect(byBase.authorizationServers).toEqual(['https://api.descope.com/v1/apps/P2abc']);
    expect(byBase.resourceUrl).toBe('https://mcp.example.com/v1/mcp');
    await expect(byBase.ready()).resolves.toBeUndefined();
    const byUrl = new DescopeProvider({ configUrl: descope.configUrl, resourceUrl: 'https://mcp.example.com/tools' });
    expect(byUrl.resourceUrl).toBe('https://mcp.example.com/tools');
    expect(byUrl.authorizationServers).toEqual([descope.issuer]);
  });
});
