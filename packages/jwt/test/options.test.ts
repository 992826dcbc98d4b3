import { generateKeyPair, exportJWK, exportPKCS8 } from 'jose';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { JWTVerifier, type JWTVerifierOptions } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';

const keys = await RSAKeyPair.generate();
const secret = 'a'.repeat(32);
const AUD = 'https://mcp.example.com/mcp';
/** A verifier from `options`, with an audience unless the options say otherwise. */
const build = (options: unknown) => () => new JWTVerifier({ audience: AUD, ...(options as object) } as JWTVerifierOptions);

describe('JWTVerifier options', () => {
  it('needs exactly one key source', () => {
    expect(build({})).toThrow(/exactly one of jwksUri, publicKey or secret/);
    expect(build(undefined)).toThrow(TypeError);
    expect(build({ jwksUri: 'https://idp.example/jwks', secret })).toThrow(/got jwksUri and secret/);
    expect(build({ publicKey: keys.publicKeyPem, secret })).toThrow(/got publicKey and secret/);
    expect(build({ jwksUri: 'https://idp.example/jwks', publicKey: keys.publicJwk })).toThrow(TypeError);
  });

  it('refuses HMAC algorithms with a JWKS or a public key, and asymmetric ones with a secret', () => {
    expect(build({ jwksUri: 'https://idp.example/jwks', algorithms: ['RS256', 'HS256'] })).toThrow(/HMAC algorithms need `secret`/);
    expect(build({ publicKey: keys.publicKeyPem, algorithms: ['HS256'] })).toThrow(/HMAC algorithms need `secret`/);
    expect(build({ secret, algorithms: ['RS256'] })).toThrow(/only HMAC/);
  });

  it('refuses unknown algorithms and "none"', () => {
    for (const alg of ['none', 'None', 'RS1', '', 42]) {
      expect(build({ jwksUri: 'https://idp.example/jwks', algorithms: [alg] })).toThrow(/not supported/);
    }
    expect(build({ jwksUri: 'https://idp.example/jwks', algorithms: [] })).toThrow(/non-empty/);
  });

  it('needs HMAC secrets as long as the hash (RFC 7518 §3.2)', () => {
    expect(build({ secret: 'short' })).toThrow(/at least 32 bytes/);
    expect(build({ secret, algorithms: ['HS512'] })).toThrow(/HS512 needs a secret of at least 64 bytes/);
    expect(build({ secret: new Uint8Array(64), algorithms: ['HS512'] })).not.toThrow();
    expect(build({ secret: 42 })).toThrow(/string or a Uint8Array/);
  });

  it('needs https for the JWKS, except on loopback', () => {
    expect(build({ jwksUri: 'http://idp.example/jwks' })).toThrow(/https/);
    expect(build({ jwksUri: 'not a url' })).toThrow(/absolute URL/);
    expect(build({ jwksUri: 'http://127.0.0.1:9/jwks' })).not.toThrow();
    expect(build({ jwksUri: new URL('https://idp.example/jwks') })).not.toThrow();
  });

  it('refuses private keys, symmetric JWKs, and keys that are no signature keys', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    expect(build({ publicKey: keys.privateKeyPem })).toThrow(/private key/);
    expect(build({ publicKey: await exportPKCS8(ec.privateKey) })).toThrow(/private key/);
    expect(build({ publicKey: 'not a pem' })).toThrow(/PEM/);
    expect(build({ publicKey: await exportJWK(ec.privateKey) })).toThrow(/private JWK/);
    expect(build({ publicKey: { kty: 'oct', k: 'AAAA' } })).toThrow(/symmetric JWK/);
    expect(build({ publicKey: { kty: 'EC', crv: 'secp256k1', x: 'a', y: 'b' } })).toThrow(/unsupported key type/);
    expect(build({ publicKey: ec.privateKey })).toThrow(/public CryptoKey/);
    const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
    expect(build({ publicKey: aes })).toThrow(/CryptoKey/);
    expect(build({ publicKey: 42 })).toThrow(/PEM string, a JWK or a CryptoKey/);
  });

  it('refuses algorithms that do not fit the key', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    expect(build({ publicKey: await exportJWK(ec.publicKey), algorithms: ['RS256'] })).toThrow(
      /do not fit the public key \(it verifies ES256\)/,
    );
    expect(build({ publicKey: ec.publicKey, algorithms: ['ES384'] })).toThrow(/do not fit/);
    expect(build({ publicKey: keys.publicJwk, algorithms: ['RS256', 'ES256'] })).not.toThrow();
  });

  it('checks the claim options', () => {
    const base = { jwksUri: 'https://idp.example/jwks' };
    expect(build({ ...base, issuer: [] })).toThrow(/issuer/);
    expect(build({ ...base, issuer: '' })).toThrow(/issuer/);
    expect(build({ ...base, audience: [42] })).toThrow(/audience/);
    expect(build({ ...base, clockTolerance: -1 })).toThrow(/clockTolerance/);
    expect(build({ ...base, maxTokenAge: 0 })).toThrow(/maxTokenAge/);
    expect(build({ ...base, maxTokenLength: 1.5 })).toThrow(/maxTokenLength/);
    expect(build({ ...base, typ: '' })).toThrow(/typ/);
    expect(build({ ...base, requireExp: 'yes' })).toThrow(/requireExp/);
    expect(build({ ...base, requiredScopes: 'read' })).toThrow(/requiredScopes/);
    expect(build({ ...base, cache: { maxEntries: 0 } })).toThrow(/cache.maxEntries/);
    expect(build({ ...base, cache: { ttlSeconds: 0 } })).toThrow(/cache.ttlSeconds/);
    expect(build({ ...base, cache: 'on' })).toThrow(/cache/);
    expect(build({ ...base, jwksCooldown: Number.NaN })).toThrow(/jwksCooldown/);
    expect(build({ ...base, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(build({ ...base, onInvalidToken: 'log' })).toThrow(/onInvalidToken/);
  });

  it('needs an audience (MCP: a token must have been issued for this server), or the loudly named opt-out', async () => {
    const bare = () => new JWTVerifier({ secret } as JWTVerifierOptions);
    expect(bare).toThrow(TypeError);
    expect(bare).toThrow(/audience is required/);
    expect(bare).toThrow(/dangerouslyAcceptAnyAudience/);
    expect(build({ secret, audience: undefined })).toThrow(/audience is required/);
    expect(build({ secret, audience: [] })).toThrow(/audience/);
    expect(build({ secret, audience: undefined, dangerouslyAcceptAnyAudience: false })).toThrow(
      /dangerouslyAcceptAnyAudience must be true/,
    );
    expect(build({ secret, dangerouslyAcceptAnyAudience: true })).toThrow(/not both/);
    // the opt-out accepts a token issued for another API; the audience refuses it
    const token = await keys.createToken({ audience: 'https://other-api.example.com' });
    const open = new JWTVerifier({ publicKey: keys.publicJwk, dangerouslyAcceptAnyAudience: true });
    expect(await open.verifyToken(token)).not.toBeNull();
    expect(await new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD }).verifyToken(token)).toBeNull();
  });

  it('exposes the required scopes for the bearer guard', () => {
    const verifier = new JWTVerifier({ secret, audience: AUD, requiredScopes: ['read', 'write'] });
    expect(verifier.requiredScopes).toEqual(['read', 'write']);
    expect(Object.isFrozen(verifier.requiredScopes)).toBe(true);
    expect(new JWTVerifier({ secret, audience: AUD }).requiredScopes).toEqual([]);
  });

  it('rejects mixed key sources at compile time too', () => {
    expectTypeOf<{ jwksUri: string; audience: string }>().toExtend<JWTVerifierOptions>();
    expectTypeOf<{ jwksUri: string; secret: string; audience: string }>().not.toExtend<JWTVerifierOptions>();
    expectTypeOf<{ publicKey: string; secret: string; audience: string }>().not.toExtend<JWTVerifierOptions>();
  });
});
