import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { startJwksServer, type JwksServer } from './helpers.js';

const keys = await RSAKeyPair.generate();
let jwks: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer(keys.jwks().keys);
});
afterAll(() => jwks.close());

describe('RSAKeyPair', () => {
  it('exports PEM, a JWK and a JWKS, with the RFC 7638 thumbprint as kid', async () => {
    expect(keys.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n?$/);
    expect(keys.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(keys.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: keys.kid });
    expect(keys.publicJwk).not.toHaveProperty('d');
    expect(keys.kid).toBe(await calculateJwkThumbprint(keys.publicJwk));
    expect(keys.jwks()).toEqual({ keys: [keys.publicJwk] });
    expect((await RSAKeyPair.generate({ kid: 'k1' })).kid).toBe('k1');
  });

  it('creates tokens with the requested claims and headers', async () => {
    const token = await keys.createToken({
      subject: 'bob',
      issuer: 'https://issuer.example',
      audience: ['a', 'b'],
      scopes: ['read', 'write'],
      expiresInSeconds: 60,
      additionalClaims: { client_id: 'c1' },
      typ: 'at+jwt',
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: keys.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'bob', iss: 'https://issuer.example', aud: ['a', 'b'], scope: 'read write', client_id: 'c1' });
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(typeof claims.jti).toBe('string');
    expect(decodeProtectedHeader(await keys.createToken({ kid: null }))).not.toHaveProperty('kid');
    expect(decodeJwt(await keys.createToken())).not.toHaveProperty('scope');
  });

  it('produces tokens JWTVerifier accepts from the PEM, the JWK and a JWKS endpoint', async () => {
    const token = await keys.createToken({ audience: 'mcp', scopes: ['read'] });
    for (const verifier of [
      new JWTVerifier({ publicKey: keys.publicKeyPem, audience: 'mcp' }),
      new JWTVerifier({ publicKey: keys.publicJwk, audience: 'mcp' }),
      new JWTVerifier({ jwksUri: jwks.jwksUri, audience: 'mcp' }),
    ]) {
      expect(await verifier.verifyToken(token)).toMatchObject({ clientId: 'test-user', scopes: ['read'], resource: 'mcp' });
    }
  });
});
