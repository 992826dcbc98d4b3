import { UpstreamError } from '@mcpauth/core';
import { startOidcProvider, type OidcHarness } from '@mcpauth/testing';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWTVerifier, type JWTVerifierOptions } from '../src/index.js';
import { manualClock, recorder } from './helpers.js';

const CLIENT = { client_id: 'machine', client_secret: 'machine-secret-0123456789' };
const RESOURCE = 'https://mcp.example.com/mcp';

let idp: OidcHarness;
beforeAll(async () => {
  idp = await startOidcProvider({
    clients: [{ ...CLIENT, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
  });
});
afterAll(() => idp.close());

const issue = async (scope = 'read write') =>
  (await idp.clientCredentialsToken({ clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, scope, resource: RESOURCE }))
    .access_token;

function verifier(options: Partial<JWTVerifierOptions> = {}) {
  const log = recorder();
  const clock = manualClock();
  const v = new JWTVerifier({
    jwksUri: idp.jwksUri,
    issuer: idp.issuer,
    audience: RESOURCE,
    typ: 'at+jwt',
    timeoutMs: 500,
    now: clock.now,
    onInvalidToken: log.hook,
    ...options,
  } as JWTVerifierOptions);
  return { v, log, clock };
}

describe('against oidc-provider (RFC 9068 JWT access tokens)', () => {
  it('verifies its access tokens through its JWKS', async () => {
    const { v } = verifier({ requiredScopes: ['read'] });
    const token = await issue();
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
    expect(await v.verifyToken(token)).toMatchObject({
      token,
      clientId: CLIENT.client_id,
      scopes: ['read', 'write'],
      resource: RESOURCE,
      claims: { iss: idp.issuer, aud: RESOURCE, client_id: CLIENT.client_id },
    });
  });

  it('refuses its tokens for another audience or with missing scopes', async () => {
    const { v, log } = verifier({ audience: 'https://other.example.com/mcp' });
    expect(await v.verifyToken(await issue())).toBeNull();
    const scoped = verifier({ requiredScopes: ['admin'] });
    expect(await scoped.v.verifyToken(await issue('read'))).toBeNull();
    expect([...log.reasons(), ...scoped.log.reasons()]).toEqual(['audience', 'insufficient_scope']);
  });

  it('after a key rotation, verifies the new kid with exactly one refetch and keeps the old key', async () => {
    const { v, clock } = verifier({ cache: false });
    const before = await issue();
    expect(await v.verifyToken(before)).not.toBeNull();
    const fetched = idp.jwksRequests();

    await idp.rotateKeys();
    const after = await issue();
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    clock.advance(31); // past the cooldown since the first fetch
    expect(await v.verifyToken(after)).not.toBeNull();
    expect(idp.jwksRequests() - fetched).toBe(1);

    expect(await v.verifyToken(before)).not.toBeNull();
    expect(await v.verifyToken(after)).not.toBeNull();
    expect(idp.jwksRequests() - fetched).toBe(1);
  });

  for (const mode of ['down', 'hang'] as const) {
    it(`with the JWKS endpoint ${mode}, known keys still verify and an unknown kid is an outage (UpstreamError)`, async () => {
      const { v, log, clock } = verifier({ cache: false, jwksCacheMaxAge: 60 });
      expect(await v.verifyToken(await issue())).not.toBeNull();
      idp.setJwksMode(mode);
      try {
        clock.advance(61); // the set is stale: refreshes are attempted and fail
        expect(await v.verifyToken(await issue())).not.toBeNull();
        await idp.rotateKeys();
        const unknownKid = await issue();
        clock.advance(31);
        const outage = await v.verifyToken(unknownKid).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(outage).toBeInstanceOf(UpstreamError);
        expect((outage as UpstreamError).reason).toBe(mode === 'hang' ? 'timeout' : 'network');
        expect(log.errors.filter((e) => e.code === 'ERR_TOKEN_INVALID')).toEqual([]);
        // within the cooldown no fetch is allowed, and the last one failed: still an outage, not a refusal
        const again = await v.verifyToken(unknownKid).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(again).toBeInstanceOf(UpstreamError);
      } finally {
        idp.setJwksMode('up');
      }
      // back up: the new key is fetched and known keys never stopped working
      clock.advance(31);
      expect(await v.verifyToken(await issue())).not.toBeNull();
    });
  }
});
