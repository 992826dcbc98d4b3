/**
 * SEP-990 Enterprise-Managed Authorization end to end: a local enterprise identity provider (its
 * JWKS on loopback) mints ID-JAGs; the MCP SDK v2 `CrossAppAccessProvider` presents one with the
 * jwt-bearer grant to our authorization server (`StoreOAuthProvider` + `IdJagVerifier`) and
 * calls a tool as the enterprise user. Refused: wrong `typ`, wrong `aud`, another client's
 * `client_id`, wrong `resource`, replayed `jti`, expired, untrusted issuer, an ID token.
 */
import {
  StoreOAuthProvider,
  ProviderTokenVerifier,
  RemoteAuthProvider,
  createAuthorizationServer,
  routeRequest,
  type FetchHandler,
} from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { listen, type Listening } from '@mcpauth/testing';
import { Client, CrossAppAccessProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdJagVerifier } from '../src/index.js';

let idp: Listening;
let rogue: { privateKey: CryptoKey };
let key: CryptoKey;
let server: Listening;
let issuer: string;
let mcpUrl: string;
let robot: { client_id: string; client_secret: string };
let other: { client_id: string; client_secret: string };

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  key = pair.privateKey;
  rogue = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  idp = await listen((req, res) => {
    res.writeHead(req.url === '/jwks' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === '/jwks' ? JSON.stringify({ keys: [jwk] }) : '{}');
  });

  let app: FetchHandler = async () => new Response(null, { status: 503 });
  server = await listen(toNodeHandler((r) => app(r)));
  issuer = server.url;
  mcpUrl = `${issuer}/mcp`;
  const verifier = new IdJagVerifier({ trustedIssuers: [{ issuer: idp.url, jwksUri: `${idp.url}/jwks` }], audience: issuer });
  const provider = new StoreOAuthProvider({ issuerUrl: issuer, identityAssertions: { verifier } });
  const as = createAuthorizationServer({ provider, issuerUrl: issuer, resourceUrl: mcpUrl, scopesSupported: ['mcp:tools'] });
  const auth = new RemoteAuthProvider({
    resourceUrl: mcpUrl,
    authorizationServers: [issuer],
    verifier: new ProviderTokenVerifier(provider),
    requiredScopes: ['mcp:tools'],
  });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'enterprise', version: '1.0.0' });
    s.registerTool('whoami', { description: 'caller' }, async (ctx) => ({
      content: [{ type: 'text', text: String(ctx.http?.authInfo?.extra?.['subject']) }],
    }));
    return s;
  });
  const handler = createMcpAuthHandler({ auth, mcp });
  app = async (request) => (await routeRequest(as.routes, request)) ?? handler(request);

  const register = async () =>
    (await (
      await fetch(`${issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'enterprise agent',
          grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
      })
    ).json()) as { client_id: string; client_secret: string };
  robot = await register();
  other = await register();
});
afterAll(async () => {
  await server.close();
  await idp.close();
});

interface Mint {
  typ?: string;
  iss?: string;
  aud?: string;
  clientId?: string;
  resource?: string;
  jti?: string;
  exp?: number;
  iat?: number;
  signer?: CryptoKey;
  scope?: string;
}

const mint = (m: Mint = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: m.clientId ?? robot.client_id, resource: m.resource ?? mcpUrl, scope: m.scope ?? 'mcp:tools' })
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: m.typ ?? 'oauth-id-jag+jwt' })
    .setIssuer(m.iss ?? idp.url)
    .setSubject('alice@acme.example')
    .setAudience(m.aud ?? issuer)
    .setJti(m.jti ?? crypto.randomUUID())
    .setIssuedAt(m.iat ?? now)
    .setExpirationTime(m.exp ?? now + 120)
    .sign(m.signer ?? key);
};

const exchange = (assertion: string, client = robot) =>
  fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${btoa(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`)}`,
    },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion, resource: mcpUrl }),
  });

describe('SEP-990: ID-JAG through the jwt-bearer grant', () => {
  it('the MCP SDK CrossAppAccessProvider gets a token and calls a tool as the enterprise user', async () => {
    const authProvider = new CrossAppAccessProvider({
      assertion: async (ctx) => mint({ aud: ctx.authorizationServerUrl.replace(/\/$/, ''), resource: ctx.resourceUrl }),
      clientId: robot.client_id,
      clientSecret: robot.client_secret,
      expectedIssuer: issuer,
    });
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider }));
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect((result.content as { text: string }[])[0]!.text).toBe('alice@acme.example');
    await client.close();
  });

  it('issues no refresh token and the assertion scopes only', async () => {
    const res = await exchange(await mint());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { refresh_token?: string; scope: string };
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe('mcp:tools');
  });

  it('refuses what is not a valid ID-JAG for this client and this server', async () => {
    const now = Math.floor(Date.now() / 1000);
    const used = await mint();
    expect((await exchange(used)).status).toBe(200);
    const cases: [string, string, string][] = [
      ['replayed jti', used, 'invalid_grant'],
      ['an ID token of the same IdP (typ JWT)', await mint({ typ: 'JWT' }), 'invalid_grant'],
      ['wrong typ', await mint({ typ: 'at+jwt' }), 'invalid_grant'],
      ['wrong aud', await mint({ aud: 'https://other-as.example.com' }), 'invalid_grant'],
      ["another client's client_id", await mint({ clientId: other.client_id }), 'invalid_grant'],
      ['wrong resource', await mint({ resource: 'https://other.example.com/mcp' }), 'invalid_target'],
      ['expired', await mint({ iat: now - 600, exp: now - 300 }), 'invalid_grant'],
      ['too long-lived', await mint({ exp: now + 3600 }), 'invalid_grant'],
      ['untrusted issuer', await mint({ iss: 'https://rogue.example.com' }), 'invalid_grant'],
      ['signed by another key', await mint({ signer: rogue.privateKey }), 'invalid_grant'],
    ];
    for (const [name, assertion, error] of cases) {
      const res = await exchange(assertion);
      expect({ name, status: res.status, error: ((await res.json()) as { error: string }).error }).toEqual({ name, status: 400, error });
    }
  });

  it('an identity provider whose JWKS cannot be fetched is an outage (UpstreamError), not an invalid grant', async () => {
    const { UpstreamError } = await import('@mcpauth/core');
    const down = await listen((req) => req.socket.destroy());
    try {
      const verifier = new IdJagVerifier({ trustedIssuers: [{ issuer: idp.url, jwksUri: `${down.url}/jwks` }], audience: issuer });
      await expect(verifier.verify(await mint())).rejects.toBeInstanceOf(UpstreamError);
    } finally {
      await down.close();
    }
  });

  it('is for confidential clients only, and advertised', async () => {
    const md = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
    expect(md.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const publicClient = await fetch(`${issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'], token_endpoint_auth_method: 'none' }),
    });
    expect(publicClient.status).toBe(400);
  });
});
