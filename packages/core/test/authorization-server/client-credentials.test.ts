/**
 * Machine clients over HTTP: the `client_credentials` grant with `client_secret_basic` (the MCP
 * SDK v2 `ClientCredentialsProvider`) and with `private_key_jwt` (its `PrivateKeyJwtProvider`,
 * RFC 7523 §2.2), then a tool call; replayed, expired, foreign and badly addressed client
 * assertions are refused; the grant is off unless the provider's policy turns it on.
 */
import { Client, ClientCredentialsProvider, PrivateKeyJwtProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE, startStack, type Stack } from './fixtures.js';

const ROBOTS = new Set<string>();
let stack: Stack;
let keys: { privateKey: CryptoKey; publicJwk: Record<string, unknown> };

beforeAll(async () => {
  stack = await startStack({
    clientCredentials: (client, scopes) => (ROBOTS.has(client.client_id) ? { scopes: scopes ?? [SCOPE] } : false),
  });
  const pair = await generateKeyPair('ES256', { extractable: true });
  keys = { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig', kid: 'robot-1' } };
});
afterAll(() => stack.close());

async function expectRegistered(metadata: Record<string, unknown>): Promise<{ client_id: string; client_secret?: string }> {
  const res = await fetch(`${stack.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { client_id: string; client_secret?: string };
}

async function whoami(authProvider: ClientCredentialsProvider | PrivateKeyJwtProvider): Promise<Record<string, unknown>> {
  const client = new Client({ name: 'robot', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider }));
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  await client.close();
  return JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, unknown>;
}

const assertion = (clientId: string, overrides: { aud?: string; exp?: number; jti?: string; iss?: string; key?: CryptoKey } = {}) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'robot-1' })
    .setIssuer(overrides.iss ?? clientId)
    .setSubject(clientId)
    .setAudience(overrides.aud ?? `${stack.url}/token`)
    .setIssuedAt()
    .setExpirationTime(overrides.exp ?? Math.floor(Date.now() / 1000) + 60)
    .setJti(overrides.jti ?? crypto.randomUUID())
    .sign(overrides.key ?? keys.privateKey);

const tokenRequest = (clientId: string, clientAssertion: string) =>
  fetch(`${stack.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    }),
  });

describe('client credentials', () => {
  it('are advertised, with private_key_jwt', async () => {
    const md = (await (await fetch(`${stack.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, string[]>;
    expect(md['grant_types_supported']).toContain('client_credentials');
    expect(md['token_endpoint_auth_methods_supported']).toContain('private_key_jwt');
  });

  it('client_secret_basic: the SDK ClientCredentialsProvider gets a token and calls a tool as itself', async () => {
    const robot = await expectRegistered({
      client_name: 'robot',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    ROBOTS.add(robot.client_id);
    const who = await whoami(
      new ClientCredentialsProvider({ clientId: robot.client_id, clientSecret: robot.client_secret!, expectedIssuer: stack.url }),
    );
    expect(who).toEqual({ clientId: robot.client_id, subject: robot.client_id, scopes: [SCOPE] });
  });

  it('private_key_jwt: the SDK PrivateKeyJwtProvider gets a token with a signed assertion (no secret issued)', async () => {
    const robot = await expectRegistered({
      client_name: 'robot',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [keys.publicJwk] },
    });
    expect(robot.client_secret).toBeUndefined();
    ROBOTS.add(robot.client_id);
    const who = await whoami(
      new PrivateKeyJwtProvider({
        clientId: robot.client_id,
        privateKey: await exportJWK(keys.privateKey),
        algorithm: 'ES256',
        expectedIssuer: stack.url,
      }),
    );
    expect(who['subject']).toBe(robot.client_id);
  });

  it('refuses replayed, expired, long-lived, misaddressed and foreign-signed assertions', async () => {
    const robot = await expectRegistered({
      client_name: 'robot',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [keys.publicJwk] },
    });
    ROBOTS.add(robot.client_id);
    const once = await assertion(robot.client_id);
    expect((await tokenRequest(robot.client_id, once)).status).toBe(200);
    const other = await generateKeyPair('ES256');
    const refused: [string, string][] = [
      ['replayed jti', once],
      ['expired', await assertion(robot.client_id, { exp: Math.floor(Date.now() / 1000) - 10 })],
      ['lives an hour', await assertion(robot.client_id, { exp: Math.floor(Date.now() / 1000) + 3600 })],
      ['another audience', await assertion(robot.client_id, { aud: 'https://elsewhere.example.com/token' })],
      ['signed by a foreign key', await assertion(robot.client_id, { key: other.privateKey })],
      ['not a JWT', 'not.a.jwt'],
    ];
    for (const [why, a] of refused) {
      const res = await tokenRequest(robot.client_id, a);
      expect(res.status, `an assertion that is ${why}`).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    }
  });

  it('is refused for a client the policy does not know, and for public clients', async () => {
    const stranger = await expectRegistered({
      client_name: 'stranger',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    const res = await fetch(`${stack.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: stranger.client_id,
        client_secret: stranger.client_secret!,
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized_client');
    const pub = await fetch(`${stack.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' }),
    });
    expect(pub.status).toBe(400);
  });

  it('never fetches a jwks_uri on an internal address (SSRF): the client fails authentication', async () => {
    let fetched = 0;
    const { listen } = await import('@mcpauth/testing');
    const internal = await listen((_req, res) => {
      fetched++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [keys.publicJwk] }));
    });
    try {
      const robot = await expectRegistered({
        client_name: 'robot',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: `${internal.url.replace('http://', 'https://')}/jwks`,
      });
      ROBOTS.add(robot.client_id);
      const res = await tokenRequest(robot.client_id, await assertion(robot.client_id));
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
      expect(fetched).toBe(0);
    } finally {
      await internal.close();
    }
  });

  it('registration checks the keys of a private_key_jwt client', async () => {
    const post = (body: Record<string, unknown>) =>
      fetch(`${stack.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], ...body }),
      });
    expect((await post({ token_endpoint_auth_method: 'private_key_jwt' })).status).toBe(400);
    expect(
      (await post({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...keys.publicJwk, d: 'secret' }] } })).status,
    ).toBe(400);
    expect(
      (
        await post({
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [keys.publicJwk] },
          jwks_uri: 'https://robot.example.com/jwks',
        })
      ).status,
    ).toBe(400);
  });
});
