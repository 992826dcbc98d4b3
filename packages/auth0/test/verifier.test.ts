/**
 * The Auth0 token checks of `auth0TokenVerifier` (what `Auth0Provider` verifies Auth0 tokens with),
 * against a fake tenant's JWKS: the refusals the issue lists, RBAC permissions as scopes,
 * custom claims, and the shared verifier contract.
 */
import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import type { AnyAuthError } from '@mcpauth/core';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auth0TokenVerifier, type Auth0TokenVerifierOptions } from '../src/index.js';
import { USER_ID, startFakeAuth0, type FakeAuth0 } from './fake-auth0.js';

const API = 'https://mcp.example.com/api';
const CLIENT_ID = 'k3SgVb0FakeAuth0ClientId';
let auth0: FakeAuth0;
const subtleVerify = vi.spyOn(globalThis.crypto.subtle, 'verify');
const nodeVerify = vi.spyOn(process.getBuiltinModule('node:crypto'), 'verify');

beforeAll(async () => {
  auth0 = await startFakeAuth0({ clientId: CLIENT_ID, clientSecret: 'secret', callbackUrl: 'http://127.0.0.1:1/cb', audience: API });
});
afterAll(async () => {
  await auth0.close();
  subtleVerify.mockRestore();
  nodeVerify.mockRestore();
});

function verifier(options: Partial<Auth0TokenVerifierOptions> = {}) {
  const errors: AnyAuthError[] = [];
  const v = auth0TokenVerifier({
    jwksUri: `${auth0.url}/.well-known/jwks.json`,
    issuer: auth0.issuer,
    audience: API,
    http: { timeoutMs: 300 },
    jwksCooldown: 0,
    onInvalidToken: (e) => void errors.push(e),
    ...options,
  });
  return { v, errors };
}

describe('auth0TokenVerifier: Auth0 access tokens', () => {
  it('accepts a token for the API: subject, client (azp), scopes from scope, every claim kept', async () => {
    const { v } = verifier();
    const token = await auth0.accessToken({ scope: 'openid read:notes' });
    const verified = await v.verifyToken(token);
    expect(verified).toMatchObject({ subject: USER_ID, clientId: CLIENT_ID, scopes: ['openid', 'read:notes'], resource: API });
    expect(verified!.claims['https://mcp.example.com/roles']).toEqual(['editor']);
    expect(verified!.claims['iss']).toBe(auth0.issuer);
  });

  it('the issuer is exact: Auth0 issuer ends with a slash, a token without it (or another tenant) is refused', async () => {
    expect(auth0.issuer.endsWith('/')).toBe(true);
    const { v, errors } = verifier();
    expect(await v.verifyToken(await auth0.accessToken({ iss: auth0.issuer.slice(0, -1) }))).toBeNull();
    expect(await v.verifyToken(await auth0.accessToken({ iss: 'https://other-tenant.us.auth0.com/' }))).toBeNull();
    expect(errors.map((e) => e.code === 'ERR_TOKEN_INVALID' && e.reason)).toEqual(['issuer', 'issuer']);
  });

  it('refuses a token for another API, an ID token, an expired token, an unknown key, an unexpected algorithm', async () => {
    const other = await generateKeyPair('RS256');
    const cases: Record<string, Promise<string>> = {
      'another API': auth0.accessToken({ aud: ['https://other-api.example.com', `${auth0.issuer}userinfo`] }),
      '/userinfo only': auth0.accessToken({ aud: `${auth0.issuer}userinfo` }),
      'an ID token (aud = client id)': auth0.idToken(),
      expired: auth0.accessToken({ exp: Math.floor(Date.now() / 1000) - 3600 }),
      'signed by an unknown key': auth0.sign(
        { iss: auth0.issuer, sub: USER_ID, aud: API, exp: Math.floor(Date.now() / 1000) + 600 },
        { kid: 'unknown', key: other.privateKey },
      ),
      'HS256 (not the API algorithm)': new SignJWT({ iss: auth0.issuer, sub: USER_ID, aud: API, azp: CLIENT_ID })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!!')),
    };
    for (const [label, token] of Object.entries(cases)) {
      const { v, errors } = verifier();
      expect(await v.verifyToken(await token), label).toBeNull();
      expect(errors.length, label).toBeGreaterThan(0);
    }
  });

  it('permissionsAsScopes: the permissions claim becomes the scopes; a token without it is refused with the setting named', async () => {
    const { v, errors } = verifier({ permissionsAsScopes: true });
    const verified = await v.verifyToken(await auth0.accessToken({ scope: 'openid profile', permissions: ['read:notes', 'write:notes'] }));
    expect(verified?.scopes).toEqual(['read:notes', 'write:notes']);
    expect((await v.verifyToken(await auth0.accessToken({ permissions: [] })))?.scopes).toEqual([]);
    expect(await v.verifyToken(await auth0.accessToken())).toBeNull();
    expect(errors.at(-1)?.message).toMatch(/Add Permissions in the Access Token/);
    expect(await v.verifyToken(await auth0.accessToken({ permissions: 'read:notes' }))).toBeNull();
  });

  it('PS256 only when configured', async () => {
    const { v } = verifier({ algorithms: ['PS256'] });
    expect(await v.verifyToken(await auth0.accessToken())).toBeNull(); // the tenant signs RS256
  });

  it('refuses bad options with TypeError', () => {
    expect(() => verifier({ audience: '' })).toThrow(TypeError);
    expect(() => verifier({ algorithms: ['HS256' as 'RS256'] })).toThrow(TypeError);
    expect(() => verifier({ algorithms: [] })).toThrow(TypeError);
    expect(() => verifier({ permissionsAsScopes: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => verifier({ jwksUri: 'http://auth0.example.com/.well-known/jwks.json' })).toThrow(TypeError);
  });
});

const fixture: VerifierFixture = {
  create: ({ onInvalidToken, now, cache }) =>
    auth0TokenVerifier({
      jwksUri: `${auth0.url}/.well-known/jwks.json`,
      issuer: auth0.issuer,
      audience: API,
      http: { timeoutMs: 300 },
      jwksCooldown: 0,
      onInvalidToken,
      now,
      ...(cache === undefined ? {} : { cache: cache as false }),
    }),
  validToken: () => auth0.accessToken(),
  invalidTokens: async () => ({
    'another API': await auth0.accessToken({ aud: 'https://other-api.example.com' }),
    'the issuer without its trailing slash': await auth0.accessToken({ iss: auth0.issuer.slice(0, -1) }),
    'an ID token': await auth0.idToken(),
    expired: await auth0.accessToken({ exp: Math.floor(Date.now() / 1000) - 3600 }),
  }),
  get outages() {
    return auth0.jwksOutages();
  },
  cache: { verifications: () => subtleVerify.mock.calls.length + nodeVerify.mock.calls.length },
};

describe('verifier contract: auth0TokenVerifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
