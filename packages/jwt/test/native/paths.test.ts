import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { JWTVerifier } from '../../src/index.js';
import { RSAKeyPair } from '../../src/testing.js';
import { countSignatureChecks, nowSeconds, recorder, startJwksServer } from '../helpers.js';

// Which path verifies: the node:crypto fast path after jose selected (and imported) a key once,
// jose for what the fast path leaves to it, and jose only with `nativeCrypto: false`.

const ISS = 'https://auth.example.test';
const AUD = 'https://mcp.example.com/mcp';
const keys = await RSAKeyPair.generate({ kid: 'k1' });
const other = await RSAKeyPair.generate({ kid: 'k2' });
const jwks = await startJwksServer([keys.publicJwk]);
afterAll(() => jwks.close());
afterEach(() => {
  vi.restoreAllMocks();
});

const sign = (key: RSAKeyPair, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', exp: nowSeconds() + 600, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
    .sign(key.privateKey);

describe('the native fast path', () => {
  it('verifies with node:crypto once jose has selected the key of a JWKS', async () => {
    const v = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, cache: false });
    const checks = countSignatureChecks();
    // the first token fetches the set (a selection that saw a fetch is not kept), the second is
    // the selection jose keeps; from then on node:crypto
    for (let i = 1; i <= 2; i++) expect(await v.verifyToken(await sign(keys, { jti: String(i) }))).not.toBeNull();
    expect([checks.subtle(), checks.native()]).toEqual([2, 0]);
    for (let i = 3; i <= 6; i++) expect(await v.verifyToken(await sign(keys, { jti: String(i) }))).not.toBeNull();
    expect([checks.subtle(), checks.native()]).toEqual([2, 4]);
  });

  it('verifies with node:crypto from the first token for an HMAC secret', async () => {
    const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
    const v = new JWTVerifier({ secret, issuer: ISS, audience: AUD, cache: false });
    const subtle = vi.spyOn(crypto.subtle, 'verify');
    const hmac = vi.spyOn(process.getBuiltinModule('node:crypto'), 'createHmac');
    const token = await new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', exp: nowSeconds() + 600 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    expect(await v.verifyToken(token)).not.toBeNull();
    expect(subtle).not.toHaveBeenCalled();
    expect(hmac).toHaveBeenCalledTimes(1);
  });

  it('verifies with node:crypto from the second token of a PEM, a JWK and a CryptoKey, and of an EC key', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true });
    const ecToken = () =>
      new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', exp: nowSeconds() + 600 }).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey);
    const cases: [JWTVerifier, () => Promise<string>][] = [
      ...[keys.publicKeyPem, keys.publicJwk, keys.publicKey].map((publicKey): [JWTVerifier, () => Promise<string>] => [
        new JWTVerifier({ publicKey, issuer: ISS, audience: AUD, cache: false }),
        () => sign(keys),
      ]),
      [new JWTVerifier({ publicKey: await exportJWK(ec.publicKey), issuer: ISS, audience: AUD, cache: false }), ecToken],
    ];
    for (const [v, token] of cases) {
      const checks = countSignatureChecks();
      for (let i = 0; i < 3; i++) expect(await v.verifyToken(await token())).not.toBeNull();
      expect(checks.native()).toBeGreaterThanOrEqual(2);
      expect(checks.subtle()).toBeLessThanOrEqual(1);
      vi.restoreAllMocks();
    }
  });

  it('reads headers from its small cache as if parsed each time: many distinct headers, a refused one refused again', async () => {
    const v = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, typ: 'at+jwt', cache: false });
    for (let i = 1; i <= 2; i++) await v.verifyToken(await sign(keys, { jti: String(i) }, { typ: 'at+jwt' }));
    const checks = countSignatureChecks();
    // more distinct headers than the cache keeps (it empties itself), each twice
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 40; i++) {
        const accepted = await v.verifyToken(await sign(keys, { jti: `${round}-${i}` }, { typ: 'at+jwt', x: i }));
        expect(accepted?.subject, `header ${i}, round ${round}`).toBe('alice');
      }
    }
    // a header jose's rules refuse (typ) is refused on every token that carries it
    const refused = await sign(keys, { jti: 'r1' }, { typ: 'JWT' });
    for (let i = 0; i < 3; i++) expect(await v.verifyToken(refused)).toBeNull();
    expect(await v.verifyToken(await sign(keys, { jti: 'r2' }, { typ: 'JWT' }))).toBeNull();
    // a token with a cached header and a broken signature is still refused
    const good = await sign(keys, { jti: 'g' }, { typ: 'at+jwt', x: 1 });
    const [h, p, sig] = good.split('.');
    expect(await v.verifyToken(`${h}.${p}.${sig!.slice(0, -4)}AAAA`)).toBeNull();
    expect(checks.subtle()).toBe(0);
  });

  it('leaves to jose a kid it has not selected, then takes the key after jose fetched it', async () => {
    const log = recorder();
    const v = new JWTVerifier({
      jwksUri: jwks.jwksUri,
      issuer: ISS,
      audience: AUD,
      cache: false,
      jwksCooldown: 0,
      onInvalidToken: log.hook,
    });
    expect(await v.verifyToken(await sign(keys))).not.toBeNull();
    const checks = countSignatureChecks();
    expect(await v.verifyToken(await sign(other))).toBeNull();
    expect(log.reasons()).toEqual(['key_not_found']);
    jwks.keys = [keys.publicJwk, other.publicJwk];
    // the token that caused the fetch and the next (the selection jose keeps) go through jose
    for (let i = 0; i < 3; i++) expect(await v.verifyToken(await sign(other, { jti: String(i) }))).not.toBeNull();
    expect([checks.subtle(), checks.native()]).toEqual([2, 1]);
    jwks.keys = [keys.publicJwk];
  });

  it('leaves a "crit" header to jose', async () => {
    const log = recorder();
    const v = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, cache: false, onInvalidToken: log.hook });
    for (const jti of ['1', '2']) expect(await v.verifyToken(await sign(keys, { jti }))).not.toBeNull();
    const checks = countSignatureChecks();
    const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${enc({ alg: 'RS256', kid: 'k1', crit: ['b64'], b64: true })}.${enc({ iss: ISS, aud: AUD, sub: 'alice', exp: nowSeconds() + 600 })}`;
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', keys.privateKey, new TextEncoder().encode(input));
    // jose understands "b64": it verifies the token, the fast path never saw it
    expect(await v.verifyToken(`${input}.${Buffer.from(signature).toString('base64url')}`)).not.toBeNull();
    expect([checks.subtle(), checks.native()]).toEqual([1, 0]);
  });

  it('uses jose only with nativeCrypto: false', async () => {
    const v = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, cache: false, nativeCrypto: false });
    const checks = countSignatureChecks();
    for (let i = 0; i < 3; i++) expect(await v.verifyToken(await sign(keys, { jti: String(i) }))).not.toBeNull();
    expect([checks.subtle(), checks.native()]).toEqual([3, 0]);
  });

  it('refuses a nativeCrypto that is not a boolean', () => {
    expect(() => new JWTVerifier({ jwksUri: jwks.jwksUri, audience: AUD, nativeCrypto: 'yes' as unknown as boolean })).toThrow(
      /nativeCrypto must be a boolean/,
    );
  });
});
