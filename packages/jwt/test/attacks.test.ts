import { listen, type Listening } from '@mcpauth/testing';
import { CompactEncrypt, CompactSign, SignJWT, base64url, importJWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { JWTVerifier, type JWTVerifierOptions } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { countSignatureChecks, nowSeconds, recorder, startJwksServer, type JwksServer } from './helpers.js';

const ISS = 'https://auth.example.test';
const AUD = 'https://mcp.example.com/mcp';
const [ours, attacker] = await Promise.all([RSAKeyPair.generate({ kid: 'ours' }), RSAKeyPair.generate({ kid: 'attacker' })]);

let jwks: JwksServer;
let attackerServer: Listening;
let attackerHits = 0;
beforeAll(async () => {
  jwks = await startJwksServer([ours.publicJwk]);
  attackerServer = await listen((_req, res) => {
    attackerHits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [attacker.publicJwk] }));
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await jwks.close();
  await attackerServer.close();
});

const enc = (value: unknown) => base64url.encode(typeof value === 'string' ? value : JSON.stringify(value));
const claims = (extra: Record<string, unknown> = {}) => {
  const now = nowSeconds();
  return { iss: ISS, aud: AUD, sub: 'alice', client_id: 'c1', scope: 'read', iat: now, exp: now + 600, ...extra };
};
/** A token signed with our key: only the listed claims or header members differ from a valid one. */
const signed = (extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: CryptoKey | Uint8Array = ours.privateKey) =>
  new SignJWT(claims(extra)).setProtectedHeader({ alg: 'RS256', kid: 'ours', ...header }).sign(key);
/** Sign by hand what jose refuses to produce: `payload` is the second segment as is. */
async function rawSigned(header: Record<string, unknown>, payload: string): Promise<string> {
  const input = `${enc(header)}.${payload}`;
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', ours.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(signature))}`;
}
const crafted = (header: Record<string, unknown>, payload: unknown, signature: string) => `${enc(header)}.${enc(payload)}.${signature}`;

interface Case {
  name: string;
  token: () => Promise<string> | string;
  reason: string;
  options?: Partial<JWTVerifierOptions>;
  publicKey?: boolean;
}

const cases: Case[] = [
  ...['none', 'None', 'NONE', 'nOnE'].flatMap((alg): Case[] => [
    { name: `alg "${alg}" with an empty signature`, token: () => crafted({ alg, typ: 'JWT' }, claims(), ''), reason: 'malformed' },
    { name: `alg "${alg}" with a signature`, token: () => crafted({ alg, kid: 'ours' }, claims(), 'c2lnbmF0dXJl'), reason: 'algorithm' },
  ]),
  {
    name: 'RS256→HS256 confusion, PEM public key as the HMAC secret (JWKS verifier)',
    token: () => signed({}, { alg: 'HS256' }, new TextEncoder().encode(ours.publicKeyPem)),
    reason: 'algorithm',
  },
  {
    name: 'RS256→HS256 confusion, PEM public key as the HMAC secret (PEM verifier)',
    token: () => signed({}, { alg: 'HS256' }, new TextEncoder().encode(ours.publicKeyPem)),
    reason: 'algorithm',
    publicKey: true,
  },
  {
    name: 'RS256→HS256 confusion, JWK JSON as the HMAC secret',
    token: () => signed({}, { alg: 'HS256' }, new TextEncoder().encode(JSON.stringify(ours.publicJwk))),
    reason: 'algorithm',
    publicKey: true,
  },
  {
    name: 'attacker key embedded as "jwk" (with our kid)',
    token: () => signed({}, { jwk: attacker.publicJwk }, attacker.privateKey),
    reason: 'signature',
  },
  {
    name: 'attacker key embedded as "jwk" (no kid)',
    token: () => signed({}, { kid: undefined, jwk: attacker.publicJwk }, attacker.privateKey),
    reason: 'signature',
  },
  {
    name: 'attacker key set via "jku"',
    token: () => signed({}, { kid: 'attacker', jku: `${attackerServer.url}/jwks` }, attacker.privateKey),
    reason: 'key_not_found',
  },
  {
    name: 'attacker key via "x5u"',
    token: () => signed({}, { x5u: `${attackerServer.url}/cert.pem` }, attacker.privateKey),
    reason: 'signature',
  },
  {
    name: 'attacker certificate chain via "x5c"',
    token: () => signed({}, { x5c: ['MIIBattacker'] }, attacker.privateKey),
    reason: 'signature',
  },
  {
    name: 'unknown "crit" extension',
    token: () =>
      rawSigned({ alg: 'RS256', kid: 'ours', crit: ['urn:example:must-understand'], 'urn:example:must-understand': true }, enc(claims())),
    reason: 'algorithm',
  },
  {
    name: '"b64": false (unencoded payload)',
    token: () => rawSigned({ alg: 'RS256', kid: 'ours', b64: false, crit: ['b64'] }, 'unencoded'),
    reason: 'malformed',
  },
  { name: 'expired beyond the clock tolerance', token: () => signed({ exp: nowSeconds() - 31 }), reason: 'expired' },
  { name: '"nbf" in the future', token: () => signed({ nbf: nowSeconds() + 60 }), reason: 'not_yet_valid' },
  { name: '"iat" in the future beyond tolerance', token: () => signed({ iat: nowSeconds() + 60 }), reason: 'issued_in_future' },
  {
    name: '"iat" in the future, with maxTokenAge',
    token: () => signed({ iat: nowSeconds() + 60 }),
    reason: 'issued_in_future',
    options: { maxTokenAge: 3600 },
  },
  { name: 'non-numeric "exp"', token: () => signed({ exp: 'tomorrow' }), reason: 'claim' },
  { name: 'missing "exp"', token: () => signed({ exp: undefined }), reason: 'claim' },
  { name: 'wrong "iss"', token: () => signed({ iss: 'https://evil.example' }), reason: 'issuer' },
  { name: 'missing "iss"', token: () => signed({ iss: undefined }), reason: 'issuer' },
  { name: 'wrong "aud"', token: () => signed({ aud: 'https://other.example.com/mcp' }), reason: 'audience' },
  { name: 'missing "aud"', token: () => signed({ aud: undefined }), reason: 'audience' },
  { name: '"aud" with a trailing slash', token: () => signed({ aud: `${AUD}/` }), reason: 'audience' },
  { name: '"aud" list without ours', token: () => signed({ aud: ['https://a.example', 'https://b.example'] }), reason: 'audience' },
  { name: 'oversized token', token: () => signed({ padding: 'x'.repeat(20_000) }), reason: 'too_large' },
  { name: 'oversized garbage', token: () => 'a'.repeat(1_000_000), reason: 'too_large' },
  {
    name: 'signed non-JSON payload',
    token: () =>
      new CompactSign(new TextEncoder().encode('not json')).setProtectedHeader({ alg: 'RS256', kid: 'ours' }).sign(ours.privateKey),
    reason: 'malformed',
  },
  {
    name: 'signed JSON array payload',
    token: () => new CompactSign(new TextEncoder().encode('[1,2]')).setProtectedHeader({ alg: 'RS256', kid: 'ours' }).sign(ours.privateKey),
    reason: 'malformed',
  },
  {
    name: 'JWE in compact serialization',
    token: async () =>
      new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims())))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'ours' })
        .encrypt(await importJWK({ ...ours.publicJwk, alg: 'RSA-OAEP-256', use: 'enc' }, 'RSA-OAEP-256')),
    reason: 'malformed',
  },
  { name: 'wrong "typ" when at+jwt is required', token: () => signed({}, { typ: 'JWT' }), reason: 'type', options: { typ: 'at+jwt' } },
  { name: 'missing "typ" when at+jwt is required', token: () => signed({}), reason: 'type', options: { typ: 'at+jwt' } },
  { name: 'characters outside base64url', token: async () => (await signed()).replace(/^.{4}/, 'ab+/'), reason: 'malformed' },
  { name: 'padding characters', token: async () => `${await signed()}==`, reason: 'malformed' },
  { name: 'impossible base64url length', token: async () => `a.${(await signed()).split('.').slice(1).join('.')}`, reason: 'malformed' },
  {
    name: 'header that is not JSON',
    token: async () => `${enc('not json')}.${(await signed()).split('.').slice(1).join('.')}`,
    reason: 'malformed',
  },
  {
    name: 'header without "alg"',
    token: async () => `${enc({ kid: 'ours' })}.${(await signed()).split('.').slice(1).join('.')}`,
    reason: 'malformed',
  },
  { name: 'an extra segment', token: async () => `${await signed()}.c2Vn`, reason: 'malformed' },
  { name: 'an empty extra segment', token: async () => `${await signed()}.`, reason: 'malformed' },
  { name: 'a missing segment', token: async () => (await signed()).split('.').slice(0, 2).join('.'), reason: 'malformed' },
  { name: 'whitespace around the token', token: async () => ` ${await signed()} `, reason: 'malformed' },
  { name: 'the empty string', token: () => '', reason: 'malformed' },
  {
    name: 'payload changed under a valid signature (scope escalation)',
    token: async () => {
      const [h, , s] = (await signed()).split('.');
      return `${h}.${enc(claims({ scope: 'read admin' }))}.${s}`;
    },
    reason: 'signature',
  },
  {
    name: 'signature bytes changed',
    token: async () => {
      const [h, p, s] = (await signed()).split('.');
      const bytes = base64url.decode(s!);
      bytes[10] = bytes[10]! ^ 0xff;
      return `${h}.${p}.${base64url.encode(bytes)}`;
    },
    reason: 'signature',
  },
  { name: 'signature from another key with our kid', token: () => signed({}, {}, attacker.privateKey), reason: 'signature' },
  { name: 'unknown kid', token: () => signed({}, { kid: 'attacker' }, attacker.privateKey), reason: 'key_not_found' },
  { name: 'algorithm outside the allow-list', token: () => signed({}), reason: 'algorithm', options: { algorithms: ['ES256'] } },
];

describe('attack corpus: every token is refused, with the expected reason', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const log = recorder();
      const base = { issuer: ISS, audience: AUD, onInvalidToken: log.hook, jwksCooldown: 0, ...c.options };
      const verifier = new JWTVerifier(
        (c.publicKey ? { publicKey: ours.publicKeyPem, ...base } : { jwksUri: jwks.jwksUri, ...base }) as JWTVerifierOptions,
      );
      // two valid tokens first: jose selects the key (the first fetches the set), so that in the
      // native project the attack meets the node:crypto fast path, as on a running server
      await verifier.verifyToken(await signed({ jti: 'warm-1' }));
      await verifier.verifyToken(await signed({ jti: 'warm-2' }));
      log.clear();
      const token = await c.token();
      expect(await verifier.verifyToken(token)).toBeNull();
      expect(log.reasons()).toEqual([c.reason]);
      for (const error of log.errors) expect(error.message.includes(token) && token.length > 0).toBe(false);
    });
  }

  it('met the path of its test project: node:crypto where reachable, jose where not', async () => {
    const reachable = process.getBuiltinModule('node:crypto') !== undefined;
    const verifier = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, cache: false });
    for (const jti of ['1', '2']) expect(await verifier.verifyToken(await signed({ jti }))).not.toBeNull();
    const checks = countSignatureChecks();
    expect(await verifier.verifyToken(await signed({ jti: '3', scope: 'read admin' }))).not.toBeNull();
    expect([checks.subtle(), checks.native()]).toEqual(reachable ? [0, 1] : [1, 0]);
  });

  it('never fetched an attacker-named URL', () => {
    expect(attackerHits).toBe(0);
  });

  it('controls: the same construction with valid values is accepted', async () => {
    const verifier = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, typ: 'at+jwt' });
    expect(await verifier.verifyToken(await signed({}, { typ: 'at+jwt' }))).not.toBeNull();
    expect(await verifier.verifyToken(await signed({ exp: nowSeconds() - 10 }, { typ: 'application/at+jwt' }))).not.toBeNull();
    expect(
      await verifier.verifyToken(await signed({ iat: nowSeconds() + 10, nbf: nowSeconds() + 10, aud: ['x', AUD] }, { typ: 'at+jwt' })),
    ).not.toBeNull();
  });
});
