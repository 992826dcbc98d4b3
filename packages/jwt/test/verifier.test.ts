import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, TokenInvalidError } from '@mcpauth/core';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, importPKCS8 } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { countSignatureChecks, manualClock, nowSeconds, recorder } from './helpers.js';

const keys = await RSAKeyPair.generate();
const ISS = 'https://auth.example.test';
const AUD = 'https://mcp.example.com/mcp';

function sign(
  claims: Record<string, unknown>,
  key: CryptoKey | Uint8Array = keys.privateKey,
  alg = 'RS256',
  header: Record<string, unknown> = {},
) {
  const now = nowSeconds();
  return new SignJWT({ iss: ISS, aud: AUD, sub: 'alice', iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg, ...header })
    .sign(key);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('key sources', () => {
  it('verifies with a PEM public key, a JWK and a CryptoKey', async () => {
    const token = await keys.createToken({ issuer: ISS, audience: AUD });
    for (const publicKey of [keys.publicKeyPem, keys.publicJwk, keys.publicKey]) {
      const verifier = new JWTVerifier({ publicKey, issuer: ISS, audience: AUD });
      expect((await verifier.verifyToken(token))?.subject).toBe('test-user');
    }
  });

  it('verifies with a PEM certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-cert-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-subj',
          '/CN=test',
          '-days',
          '1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const privateKey = await importPKCS8(readFileSync(join(dir, 'key.pem'), 'utf8'), 'ES256');
      const verifier = new JWTVerifier({ publicKey: readFileSync(join(dir, 'cert.pem'), 'utf8'), issuer: ISS, audience: AUD });
      expect((await verifier.verifyToken(await sign({}, privateKey, 'ES256')))?.clientId).toBe('alice');
      // an RSA-signed token does not fit this EC key
      const log = recorder();
      const strict = new JWTVerifier({ publicKey: readFileSync(join(dir, 'cert.pem'), 'utf8'), audience: AUD, onInvalidToken: log.hook });
      expect(await strict.verifyToken(await sign({}))).toBeNull();
      expect(log.reasons()).toEqual(['algorithm']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verifies EC and Ed25519 keys, and only their own algorithm', async () => {
    for (const alg of ['ES256', 'ES384', 'ES512', 'EdDSA'] as const) {
      const pair = await generateKeyPair(alg, { extractable: true });
      const log = recorder();
      const verifier = new JWTVerifier({ publicKey: await exportSPKI(pair.publicKey), audience: AUD, onInvalidToken: log.hook });
      expect((await verifier.verifyToken(await sign({}, pair.privateKey, alg)))?.clientId, alg).toBe('alice');
      expect(await verifier.verifyToken(await sign({}))).toBeNull();
      expect(log.reasons()).toEqual(['algorithm']);
      const fromJwk = new JWTVerifier({ publicKey: await exportJWK(pair.publicKey), audience: AUD });
      expect(await fromJwk.verifyToken(await sign({}, pair.privateKey, alg))).not.toBeNull();
    }
  });

  it('verifies HMAC tokens with a string or byte secret', async () => {
    const secret = 'correct horse battery staple, 32+';
    const bytes = new TextEncoder().encode(secret);
    const token = await sign({}, bytes, 'HS256');
    expect(await new JWTVerifier({ secret, audience: AUD, issuer: ISS }).verifyToken(token)).not.toBeNull();
    expect(await new JWTVerifier({ secret: bytes, audience: AUD, issuer: ISS }).verifyToken(token)).not.toBeNull();
    const log = recorder();
    expect(await new JWTVerifier({ secret: `${secret}!`, audience: AUD, onInvalidToken: log.hook }).verifyToken(token)).toBeNull();
    expect(log.reasons()).toEqual(['signature']);
  });

  it('reports an unusable PEM as a configuration error and refuses', async () => {
    const log = recorder();
    const garbage = '-----BEGIN PUBLIC KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PUBLIC KEY-----\n';
    const verifier = new JWTVerifier({ publicKey: garbage, audience: AUD, onInvalidToken: log.hook });
    expect(await verifier.verifyToken(await sign({}))).toBeNull();
    expect(log.last()).toBeInstanceOf(ConfigurationError);
  });
});

describe('mapping to AccessToken', () => {
  const verifier = new JWTVerifier({ publicKey: keys.publicJwk, issuer: ISS, audience: ['https://other.example', AUD], cache: false });

  it('maps scope, client, subject, expiry, resource and claims', async () => {
    const token = await sign({ scope: 'read write', client_id: 'client-1', azp: 'ignored', aud: [AUD, 'https://other.example'] });
    const result = await verifier.verifyToken(token);
    expect(result).toMatchObject({
      token,
      clientId: 'client-1',
      scopes: ['read', 'write'],
      subject: 'alice',
      resource: 'https://other.example',
    });
    expect(result?.expiresAt).toBe(result?.claims['exp']);
    expect(result?.claims).toMatchObject({ iss: ISS, scope: 'read write' });
  });

  it('reads scp as a string or a list, and falls back from client_id to azp to sub', async () => {
    expect(await verifier.verifyToken(await sign({ scp: ['a', 'b'], azp: 'spa' }))).toMatchObject({ scopes: ['a', 'b'], clientId: 'spa' });
    expect(await verifier.verifyToken(await sign({ scp: 'a b' }))).toMatchObject({ scopes: ['a', 'b'], clientId: 'alice' });
    expect(await verifier.verifyToken(await sign({}))).toMatchObject({ scopes: [], resource: AUD });
  });

  it('refuses a token that names no client', async () => {
    const log = recorder();
    const v = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD, onInvalidToken: log.hook });
    expect(await v.verifyToken(await sign({ sub: undefined }))).toBeNull();
    expect(log.reasons()).toEqual(['claim']);
  });

  it('takes the single aud as resource when no audience is configured', async () => {
    const open = new JWTVerifier({ publicKey: keys.publicJwk, dangerouslyAcceptAnyAudience: true });
    expect((await open.verifyToken(await sign({})))?.resource).toBe(AUD);
    expect((await open.verifyToken(await sign({ aud: ['x', 'y'] })))?.resource).toBeUndefined();
  });

  it('refuses tokens without the required scopes', async () => {
    const log = recorder();
    const v = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD, requiredScopes: ['read', 'write'], onInvalidToken: log.hook });
    expect(await v.verifyToken(await sign({ scope: 'read' }))).toBeNull();
    expect(log.reasons()).toEqual(['insufficient_scope']);
    expect(await v.verifyToken(await sign({ scope: 'write read admin' }))).not.toBeNull();
  });

  it('accepts tokens without exp only when told so', async () => {
    const log = recorder();
    const token = await sign({ exp: undefined });
    expect(await new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD, onInvalidToken: log.hook }).verifyToken(token)).toBeNull();
    expect(log.reasons()).toEqual(['claim']);
    expect(await new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD, requireExp: false }).verifyToken(token)).toMatchObject({
      expiresAt: undefined,
    });
  });

  it('refuses tokens older than maxTokenAge', async () => {
    const log = recorder();
    const v = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD, maxTokenAge: 60, clockTolerance: 0, onInvalidToken: log.hook });
    expect(await v.verifyToken(await sign({ iat: nowSeconds() - 120 }))).toBeNull();
    expect(await v.verifyToken(await sign({ iat: undefined }))).toBeNull();
    expect(log.reasons()).toEqual(['too_old', 'claim']);
    expect(await v.verifyToken(await sign({}))).not.toBeNull();
  });

  it('hands out tokens whose claims cannot be changed through the cache', async () => {
    const v = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD });
    const token = await sign({ scope: 'read', nested: { role: 'user' } });
    const first = (await v.verifyToken(token))!;
    first.scopes.push('admin');
    expect(() => {
      (first.claims['nested'] as { role: string }).role = 'admin';
    }).toThrow(TypeError);
    const second = (await v.verifyToken(token))!;
    expect(second.scopes).toEqual(['read']);
    expect(second).not.toBe(first);
  });

  it('never throws, even when the hook does', async () => {
    const v = new JWTVerifier({
      publicKey: keys.publicJwk,
      audience: AUD,
      onInvalidToken: () => {
        throw new Error('hook failure');
      },
    });
    expect(await v.verifyToken('garbage')).toBeNull();
    expect(await v.verifyToken(undefined as unknown as string)).toBeNull();
    expect(await v.verifyToken(await sign({ exp: 1 }))).toBeNull();
  });
});

describe('verified-token cache', () => {
  it('verifies a token once and answers again from the cache', async () => {
    const spy = countSignatureChecks();
    const v = new JWTVerifier({ publicKey: keys.publicJwk, issuer: ISS, audience: AUD });
    const token = await sign({ scope: 'read' });
    const first = await v.verifyToken(token);
    const second = await v.verifyToken(token);
    expect(second).toEqual(first);
    expect(spy.calls()).toBe(1);
  });

  it('verifies every time when turned off', async () => {
    const spy = countSignatureChecks();
    const v = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD, cache: false });
    const token = await sign({});
    await v.verifyToken(token);
    await v.verifyToken(token);
    expect(spy.calls()).toBe(2);
  });

  it('collapses concurrent verifications of one token into one', async () => {
    const spy = countSignatureChecks();
    const v = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD });
    const token = await sign({});
    const results = await Promise.all(Array.from({ length: 50 }, () => v.verifyToken(token)));
    expect(results.every((r) => r?.clientId === 'alice')).toBe(true);
    expect(spy.calls()).toBe(1);
  });

  it('never keeps an entry past exp, nor past ttlSeconds', async () => {
    const clock = manualClock();
    const log = recorder();
    const v = new JWTVerifier({
      publicKey: keys.publicJwk,
      audience: AUD,
      now: clock.now,
      clockTolerance: 0,
      cache: { ttlSeconds: 60 },
      onInvalidToken: log.hook,
    });
    const spy = countSignatureChecks();
    const shortLived = await sign({ exp: clock.now() + 30 });
    expect(await v.verifyToken(shortLived)).not.toBeNull();
    clock.advance(31);
    expect(await v.verifyToken(shortLived)).toBeNull();
    expect(log.reasons()).toEqual(['expired']);

    const longLived = await sign({ exp: clock.now() + 3600 });
    await v.verifyToken(longLived);
    clock.advance(59);
    await v.verifyToken(longLived);
    const before = spy.calls();
    clock.advance(2);
    expect(await v.verifyToken(longLived)).not.toBeNull();
    expect(spy.calls()).toBe(before + 1);
  });

  it('is bounded: the least recently used token is verified again', async () => {
    const v = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD, cache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all([sign({ jti: 'a' }), sign({ jti: 'b' }), sign({ jti: 'c' })]);
    const spy = countSignatureChecks();
    await v.verifyToken(a);
    await v.verifyToken(b);
    await v.verifyToken(a);
    await v.verifyToken(c); // evicts b
    expect(spy.calls()).toBe(3);
    await v.verifyToken(a);
    await v.verifyToken(b);
    expect(spy.calls()).toBe(4);
  });

  it('answers from the cache only for the exact token: its signature on other claims is refused', async () => {
    const log = recorder();
    const v = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD, onInvalidToken: log.hook });
    const token = await sign({ scope: 'read' });
    expect(await v.verifyToken(token)).not.toBeNull();
    const [header, , signature] = token.split('.');
    const escalated = `${header}.${Buffer.from(JSON.stringify({ iss: ISS, aud: AUD, sub: 'mallory', scope: 'admin', exp: nowSeconds() + 600 })).toString('base64url')}.${signature}`;
    expect(await v.verifyToken(escalated)).toBeNull();
    const other = await sign({ scope: 'read', jti: 'other' });
    expect(await v.verifyToken(`${token.slice(0, token.lastIndexOf('.'))}.${other.split('.')[2]}`)).toBeNull();
    expect(log.reasons()).toEqual(['signature', 'signature']);
    expect(await v.verifyToken(token)).toMatchObject({ subject: 'alice', scopes: ['read'] });
  });

  it('never lets a forged token share the verification of the token whose signature it copies', async () => {
    const token = await sign({ scope: 'read' });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ iss: ISS, aud: AUD, sub: 'mallory', scope: 'admin', exp: nowSeconds() + 600 })).toString('base64url')}.${signature}`;
    for (const order of [
      [token, forged],
      [forged, token],
    ]) {
      const v = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD });
      const results = await Promise.all(order.map((t) => v.verifyToken(t)));
      const byToken = new Map(order.map((t, i) => [t, results[i]]));
      expect(byToken.get(token)).toMatchObject({ subject: 'alice' });
      expect(byToken.get(forged)).toBeNull();
    }
  });

  it('does not cache invalid tokens', async () => {
    const log = recorder();
    const v = new JWTVerifier({
      publicKey: keys.publicJwk,
      audience: AUD,
      issuer: 'https://someone-else.example',
      onInvalidToken: log.hook,
    });
    const spy = countSignatureChecks();
    const token = await sign({});
    expect(await v.verifyToken(token)).toBeNull();
    expect(await v.verifyToken(token)).toBeNull();
    expect(spy.calls()).toBe(2);
    expect(log.reasons()).toEqual(['issuer', 'issuer']);
    expect(log.errors.every((e) => e instanceof TokenInvalidError && !e.message.includes(token))).toBe(true);
  });
});
