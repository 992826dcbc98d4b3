import { ConfigurationError, TokenInvalidError, UpstreamError } from '@mcpauth/core';
import { SignJWT, exportJWK, generateKeyPair, importPKCS8 } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JWTVerifier, type JWTVerifierOptions } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { rejectionOf } from '@mcpauth/testing';
import { manualClock, recorder, startJwksServer, type JwksServer } from './helpers.js';

const AUD = 'https://mcp.example.com/mcp';

const [a, b] = await Promise.all([RSAKeyPair.generate({ kid: 'key-a' }), RSAKeyPair.generate({ kid: 'key-b' })]);
let server: JwksServer;

beforeEach(async () => {
  server = await startJwksServer([a.publicJwk]);
});
afterEach(async () => {
  server.mode = 'ok';
  await server.close();
});

function verifier(options: Partial<JWTVerifierOptions> = {}) {
  const log = recorder();
  const clock = manualClock();
  const v = new JWTVerifier({
    jwksUri: server.jwksUri,
    audience: AUD,
    now: clock.now,
    onInvalidToken: log.hook,
    ...options,
  } as JWTVerifierOptions);
  return { v, log, clock };
}

/** The `UpstreamError` a verification rejects with (an outage), else fails the test. */
async function expectOutage(verification: Promise<unknown>): Promise<UpstreamError> {
  const error = await rejectionOf(verification);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('JWKS', () => {
  it('verifies tokens with keys from the endpoint, fetched once', async () => {
    const { v } = verifier({ cache: false });
    expect(await v.verifyToken(await a.createToken({ audience: AUD, scopes: ['read'] }))).toMatchObject({ scopes: ['read'] });
    expect(await v.verifyToken(await a.createToken({ audience: AUD }))).not.toBeNull();
    expect(server.requests).toBe(1);
  });

  it('keeps working when other keys of the set cannot be imported', async () => {
    const weak = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const enc = { ...(await exportJWK((await generateKeyPair('RSA-OAEP', { extractable: true })).publicKey)), use: 'enc', kid: 'enc' };
    const priv = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), kid: 'private' };
    server.keys = [
      null,
      'not a key',
      42,
      { kty: 'foo', kid: 'foo' },
      { kty: 'EC', crv: 'P-999', x: 'AA', y: 'AA', kid: 'bad-curve' },
      { kty: 'RSA', n: '!!not base64!!', e: 'AQAB', kid: 'bad-rsa' },
      { kty: 'RSA', e: 'AQAB', kid: 'no-modulus' },
      { ...(await exportJWK(weak.publicKey)), kid: 'weak' },
      { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', kid: 'oct' },
      { kty: 'RSA', alg: 'RS1', n: a.publicJwk.n, e: 'AQAB', kid: 'odd-alg' },
      priv,
      enc,
      a.publicJwk,
    ];
    const { v, log } = verifier();
    expect(await v.verifyToken(await a.createToken({ audience: AUD }))).not.toBeNull();
    const skipped = log.errors.filter((e) => e instanceof ConfigurationError).map((e) => e.message);
    expect(skipped).toHaveLength(11);
    expect(skipped.join('\n')).toMatch(/key #0 left out: not a JSON object/);
    expect(skipped.join('\n')).toMatch(/kid "weak"\) left out: RSA key of 1024 bits/);
    expect(skipped.join('\n')).toMatch(/kid "bad-rsa"\) left out/);
    expect(skipped.join('\n')).toMatch(/kid "no-modulus"\) left out: malformed key parameters/);
    expect(skipped.join('\n')).toMatch(/kid "private"\) left out: private or symmetric key material/);
    expect(skipped.join('\n')).not.toMatch(/"enc"/);
  });

  it('accepts a token without kid when the set has one usable key', async () => {
    server.keys = [{ kty: 'EC', crv: 'P-999', x: 'AA', y: 'AA' }, a.publicJwk];
    const { v } = verifier();
    expect(await v.verifyToken(await a.createToken({ audience: AUD, kid: null }))).not.toBeNull();
  });

  it('tries every candidate key for a token without kid', async () => {
    server.keys = [a.publicJwk, b.publicJwk];
    const { v, log } = verifier();
    expect(await v.verifyToken(await b.createToken({ audience: AUD, kid: null }))).not.toBeNull();
    expect(await v.verifyToken(await a.createToken({ audience: AUD, kid: null }))).not.toBeNull();
    const stranger = await RSAKeyPair.generate();
    expect(await v.verifyToken(await stranger.createToken({ audience: AUD, kid: null }))).toBeNull();
    expect(log.reasons()).toEqual(['signature']);
  });

  it('reports a claim failure found with the right key among several', async () => {
    server.keys = [a.publicJwk, b.publicJwk];
    const { v, log } = verifier({ issuer: 'https://expected.example' });
    expect(await v.verifyToken(await b.createToken({ audience: AUD, kid: null }))).toBeNull();
    expect(log.reasons()).toEqual(['issuer']);
  });

  it('refetches for an unknown kid at most once per cooldown', async () => {
    const { v, log, clock } = verifier({ jwksCooldown: 30 });
    await v.verifyToken(await a.createToken({ audience: AUD }));
    server.keys = [a.publicJwk, b.publicJwk];
    const tokenB = await b.createToken({ audience: AUD });
    expect(await v.verifyToken(tokenB)).toBeNull();
    expect(log.reasons()).toEqual(['key_not_found']);
    expect(server.requests).toBe(1);
    clock.advance(30);
    expect(await v.verifyToken(tokenB)).not.toBeNull();
    expect(server.requests).toBe(2);
  });

  it('fetches once for 1000 concurrent verifications of tokens with a new kid', async () => {
    const { v, clock } = verifier();
    await v.verifyToken(await a.createToken({ audience: AUD }));
    const tokens = await Promise.all(Array.from({ length: 1000 }, (_, i) => b.createToken({ audience: AUD, subject: `user-${i}` })));
    server.keys = [a.publicJwk, b.publicJwk];
    clock.advance(31);
    const before = server.requests;
    const results = await Promise.all(tokens.map((t) => v.verifyToken(t)));
    expect(results.filter((r) => r === null)).toHaveLength(0);
    expect(server.requests - before).toBe(1);
  });

  it('refreshes a stale set in the background while its keys keep working', async () => {
    const { v, clock, log } = verifier({ jwksCacheMaxAge: 600, jwksCooldown: 30, cache: false, timeoutMs: 500 });
    const token = await a.createToken({ audience: AUD });
    await v.verifyToken(token);
    clock.advance(601);
    server.mode = 'hang';
    // the stale keys answer at once; the refresh hangs in the background
    expect(await v.verifyToken(token)).not.toBeNull();
    expect(await v.verifyToken(token)).not.toBeNull();
    await vi.waitFor(() => expect(server.requests).toBe(2));
    server.mode = 'error';
    await vi.waitFor(() => expect(log.errors.some((e) => e instanceof UpstreamError)).toBe(true), { timeout: 10_000 });
    clock.advance(30);
    expect(await v.verifyToken(token)).not.toBeNull();
    await vi.waitFor(() => expect(log.errors.filter((e) => e instanceof UpstreamError && e.reason === 'http_status')).toHaveLength(1));
    expect(server.requests).toBe(3);
    expect(await v.verifyToken(token)).not.toBeNull();
    expect(server.requests).toBe(3);
  });

  it('flushes cached tokens when the key set changes', async () => {
    const { v, clock, log } = verifier({ jwksCacheMaxAge: 600, timeoutMs: 1000 });
    const tokenA = await a.createToken({ audience: AUD });
    expect(await v.verifyToken(tokenA)).not.toBeNull();
    // key A is withdrawn (compromised, say): once the set is refreshed, A's tokens stop working
    server.keys = [b.publicJwk];
    clock.advance(601);
    expect(await v.verifyToken(tokenA)).not.toBeNull(); // served from cache, refresh started
    await vi.waitFor(() => expect(server.requests).toBe(2));
    await vi.waitFor(async () => expect(await v.verifyToken(tokenA)).toBeNull());
    expect(log.reasons()).toContain('key_not_found');
    expect(await v.verifyToken(await b.createToken({ audience: AUD }))).not.toBeNull();
  });

  it('forgets the keys it selected when the set is fetched again (new key material under the same kid)', async () => {
    const { v, clock, log } = verifier({ jwksCacheMaxAge: 600, cache: false });
    const reissued = await RSAKeyPair.generate({ kid: 'key-a' });
    const oldToken = await a.createToken({ audience: AUD });
    expect(await v.verifyToken(oldToken)).not.toBeNull();
    expect(await v.verifyToken(oldToken)).not.toBeNull();
    server.keys = [reissued.publicJwk];
    clock.advance(601);
    // the stale set still answers while the refresh runs; once it landed, only the new key counts
    await v.verifyToken(oldToken);
    await vi.waitFor(() => expect(server.requests).toBe(2));
    await vi.waitFor(async () => expect(await v.verifyToken(oldToken)).toBeNull());
    expect(log.reasons()).toContain('signature');
    expect(await v.verifyToken(await reissued.createToken({ audience: AUD }))).not.toBeNull();
  });

  it('rejects with UpstreamError (an outage, not a refusal) within the timeout when the endpoint hangs', async () => {
    server.mode = 'hang';
    const { v, log } = verifier({ timeoutMs: 300 });
    expect((await expectOutage(v.verifyToken(await a.createToken({ audience: AUD })))).reason).toBe('timeout');
    expect(log.errors.filter((e) => e instanceof TokenInvalidError)).toEqual([]);
  });

  it('does not follow redirects, and takes oversized, non-JSON and key-less answers as an outage', async () => {
    const cases: [JwksServer['mode'], string, string][] = [
      ['redirect', '', 'redirect'],
      ['raw', JSON.stringify({ keys: [a.publicJwk], padding: 'x'.repeat(4096) }), 'too_large'],
      ['raw', '<html>login</html>', 'invalid_body'],
      ['raw', JSON.stringify({ kys: [] }), 'invalid_body'],
      ['error', '', 'http_status'],
    ];
    for (const [mode, raw, reason] of cases) {
      server.mode = mode;
      server.raw = raw;
      const { v } = verifier({ maxResponseBytes: 2048 });
      expect((await expectOutage(v.verifyToken(await a.createToken({ audience: AUD })))).reason, reason).toBe(reason);
    }
  });

  it('reports an empty key set and refuses every token', async () => {
    server.keys = [];
    const { v, log } = verifier();
    expect(await v.verifyToken(await a.createToken({ audience: AUD }))).toBeNull();
    expect(log.errors[0]).toBeInstanceOf(ConfigurationError);
    expect(log.reasons()).toContain('key_not_found');
  });

  it('uses only the allowed algorithms, also for keys that name none', async () => {
    const { alg: _alg, ...anyRsa } = a.publicJwk;
    server.keys = [anyRsa];
    const { v, log } = verifier({ algorithms: ['PS256'] });
    const ps = await new SignJWT({ sub: 'x', aud: AUD, exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'PS256', kid: 'key-a' })
      .sign(await importPKCS8(a.privateKeyPem, 'PS256'));
    expect(await v.verifyToken(ps)).not.toBeNull();
    expect(await v.verifyToken(await a.createToken({ audience: AUD }))).toBeNull();
    expect(log.reasons()).toEqual(['algorithm']);
  });
});
