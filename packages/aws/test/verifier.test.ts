/**
 * The Cognito token checks of `cognitoTokenVerifier` (what `AWSCognitoProvider` verifies Cognito
 * tokens with), against a fake user pool's JWKS: client_id instead of aud, token_use, the
 * refusals the issue lists, groups as scopes, and the shared verifier contract.
 */
import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import type { AnyAuthError } from '@mcpauth/core';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cognitoTokenVerifier, type CognitoTokenVerifierOptions } from '../src/index.js';
import { USERNAME, USER_SUB, startFakeCognito, type FakeCognito } from './fake-cognito.js';

const CLIENT_ID = '1example23456789fakeclient';
let cognito: FakeCognito;
const subtleVerify = vi.spyOn(globalThis.crypto.subtle, 'verify');
const nodeVerify = vi.spyOn(process.getBuiltinModule('node:crypto'), 'verify');

beforeAll(async () => {
  cognito = await startFakeCognito({
    userPoolId: 'us-east-1_FakePool02',
    clientId: CLIENT_ID,
    clientSecret: 'secret',
    callbackUrl: 'http://127.0.0.1:1/cb',
    groups: ['editors', 'admins'],
  });
});
afterAll(async () => {
  await cognito.close();
  subtleVerify.mockRestore();
  nodeVerify.mockRestore();
});

function verifier(options: Partial<CognitoTokenVerifierOptions> = {}) {
  const errors: AnyAuthError[] = [];
  const v = cognitoTokenVerifier({
    jwksUri: `${cognito.issuer}/.well-known/jwks.json`,
    issuer: cognito.issuer,
    clientId: CLIENT_ID,
    http: { timeoutMs: 300 },
    jwksCooldown: 0,
    onInvalidToken: (e) => void errors.push(e),
    ...options,
  });
  const reasons = () => errors.map((e) => (e.code === 'ERR_TOKEN_INVALID' ? e.reason : e.code));
  return { v, errors, reasons };
}

describe('cognitoTokenVerifier: Cognito access tokens', () => {
  it('accepts an access token of the app client (no aud): subject, client, scopes from scope, claims kept', async () => {
    const { v } = verifier();
    const verified = await v.verifyToken(await cognito.accessToken({ scope: 'openid email notes/read' }));
    expect(verified).toMatchObject({ subject: USER_SUB, clientId: CLIENT_ID, scopes: ['openid', 'email', 'notes/read'] });
    expect(verified!.claims['username']).toBe(USERNAME);
    expect(verified!.claims['cognito:groups']).toEqual(['editors', 'admins']);
    expect(verified!.claims['aud']).toBeUndefined();
  });

  it('checks client_id instead of aud: another app client, or none, is refused (reason audience)', async () => {
    const { v, reasons } = verifier();
    expect(await v.verifyToken(await cognito.accessToken({ client_id: 'another-app-client' }))).toBeNull();
    expect(await v.verifyToken(await cognito.accessToken({ client_id: undefined }))).toBeNull();
    // an aud naming the client does not replace client_id
    expect(await v.verifyToken(await cognito.accessToken({ client_id: undefined, aud: CLIENT_ID }))).toBeNull();
    expect(reasons()).toEqual(['audience', 'audience', 'audience']);
  });

  it('accepts several app clients when given a list', async () => {
    const { v } = verifier({ clientId: ['first-client', CLIENT_ID] });
    expect(await v.verifyToken(await cognito.accessToken())).not.toBeNull();
  });

  it('refuses an ID token presented as an access token (token_use), even one carrying client_id', async () => {
    const { v, reasons } = verifier();
    expect(await v.verifyToken(await cognito.idToken())).toBeNull(); // aud = client id, no client_id
    expect(await v.verifyToken(await cognito.idToken({ client_id: CLIENT_ID }))).toBeNull();
    expect(await v.verifyToken(await cognito.accessToken({ token_use: undefined }))).toBeNull();
    expect(reasons()).toEqual(['audience', 'claim', 'claim']);
  });

  it('refuses another issuer (another pool or region), an expired token, an unknown key', async () => {
    const other = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, Promise<string>> = {
      'another pool': cognito.accessToken({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool' }),
      'a trailing slash': cognito.accessToken({ iss: `${cognito.issuer}/` }),
      expired: cognito.accessToken({ exp: now - 3600 }),
      'signed by an unknown key': cognito.sign(
        { iss: cognito.issuer, sub: USER_SUB, client_id: CLIENT_ID, token_use: 'access', exp: now + 600 },
        { kid: 'unknown', key: other.privateKey },
      ),
    };
    for (const [label, token] of Object.entries(cases)) {
      const { v, errors } = verifier();
      expect(await v.verifyToken(await token), label).toBeNull();
      expect(errors.length, label).toBeGreaterThan(0);
    }
  });

  it('groupsAsScopes: cognito:groups become the scopes; no groups, no scopes', async () => {
    const { v } = verifier({ groupsAsScopes: true });
    expect((await v.verifyToken(await cognito.accessToken({ scope: 'openid' })))?.scopes).toEqual(['editors', 'admins']);
    expect((await v.verifyToken(await cognito.accessToken({ 'cognito:groups': undefined })))?.scopes).toEqual([]);
    expect(await v.verifyToken(await cognito.accessToken({ 'cognito:groups': 'editors' }))).toBeNull();
    expect(await v.verifyToken(await cognito.idToken({ client_id: CLIENT_ID }))).toBeNull(); // still access tokens only
  });

  it('refuses bad options with TypeError', () => {
    expect(() => verifier({ clientId: '' })).toThrow(TypeError);
    expect(() => verifier({ clientId: [] })).toThrow(TypeError);
    expect(() => verifier({ groupsAsScopes: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => verifier({ jwksUri: 'http://cognito-idp.example.com/jwks.json' })).toThrow(TypeError);
  });
});

const fixture: VerifierFixture = {
  create: ({ onInvalidToken, now, cache }) =>
    cognitoTokenVerifier({
      jwksUri: `${cognito.issuer}/.well-known/jwks.json`,
      issuer: cognito.issuer,
      clientId: CLIENT_ID,
      http: { timeoutMs: 300 },
      jwksCooldown: 0,
      onInvalidToken,
      now,
      ...(cache === undefined ? {} : { cache: cache as false }),
    }),
  validToken: () => cognito.accessToken(),
  invalidTokens: async () => ({
    'another app client': await cognito.accessToken({ client_id: 'another-app-client' }),
    'an ID token': await cognito.idToken({ client_id: CLIENT_ID }),
    'another pool': await cognito.accessToken({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool' }),
    expired: await cognito.accessToken({ exp: Math.floor(Date.now() / 1000) - 3600 }),
  }),
  get outages() {
    return cognito.jwksOutages();
  },
  cache: { verifications: () => subtleVerify.mock.calls.length + nodeVerify.mock.calls.length },
};

describe('verifier contract: cognitoTokenVerifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
