import { base64url } from 'jose';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { recorder, startJwksServer, type JwksServer } from './helpers.js';

const ISS = 'https://auth.example.test';
const AUD = 'https://mcp.example.com/mcp';
const keys = await RSAKeyPair.generate({ kid: 'ours' });
const valid = await keys.createToken({ issuer: ISS, audience: AUD, scopes: ['read'] });
const [validHeader, validPayload, validSignature] = valid.split('.') as [string, string, string];

let jwks: JwksServer;
let verifier: JWTVerifier;
const log = recorder();
beforeAll(async () => {
  jwks = await startJwksServer([keys.publicJwk]);
  verifier = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, onInvalidToken: log.hook });
  // the valid token is in the cache: mutated tokens must never be answered from it
  expect(await verifier.verifyToken(valid)).not.toBeNull();
  // and jose has selected the key (the first token fetched the set): in the native project,
  // mutated tokens meet the node:crypto fast path
  expect(
    await verifier.verifyToken(
      await keys.createToken({ issuer: ISS, audience: AUD, scopes: ['read'], additionalClaims: { jti: 'second' } }),
    ),
  ).not.toBeNull();
});
afterAll(() => jwks.close());

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const tokenChar = fc.constantFrom(...`${B64URL}.=+/ `.split(''));
const segment = fc.string({ unit: fc.constantFrom(...B64URL.split('')), maxLength: 300 });
const sameBytes = (a: string, b: string) => {
  try {
    return Buffer.from(base64url.decode(a)).equals(Buffer.from(base64url.decode(b)));
  } catch {
    return false;
  }
};

/** Verify, failing the property on a throw (the promise must resolve). */
async function outcome(token: string) {
  try {
    return await verifier.verifyToken(token);
  } catch (err) {
    throw new Error(`verifyToken threw: ${String(err)}`);
  }
}

type Mutation =
  | { kind: 'replace'; at: number; char: string }
  | { kind: 'insert'; at: number; char: string }
  | { kind: 'delete'; at: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'swap'; i: number; j: number }
  | { kind: 'duplicate'; i: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(valid.length - 1), char: tokenChar }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(valid.length), char: tokenChar }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(valid.length - 1) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(valid.length - 1) }),
  fc.record({ kind: fc.constant('swap' as const), i: fc.nat(2), j: fc.nat(2) }),
  fc.record({ kind: fc.constant('duplicate' as const), i: fc.nat(2) }),
);

function mutate(token: string, m: Mutation): string {
  const parts = token.split('.');
  switch (m.kind) {
    case 'replace':
      return token.slice(0, m.at) + m.char + token.slice(m.at + 1);
    case 'insert':
      return token.slice(0, m.at) + m.char + token.slice(m.at);
    case 'delete':
      return token.slice(0, m.at) + token.slice(m.at + 1);
    case 'truncate':
      return token.slice(0, m.at);
    case 'swap':
      [parts[m.i], parts[m.j]] = [parts[m.j]!, parts[m.i]!];
      return parts.join('.');
    case 'duplicate':
      return [...parts.slice(0, m.i + 1), parts[m.i]!, ...parts.slice(m.i + 1)].join('.');
  }
}

describe('verifyToken under random input (fast-check)', () => {
  it('refuses random strings without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 2000 }), async (input) => {
        expect(await outcome(input)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses random three-segment base64url strings without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (a, b, c) => {
        expect(await outcome(`${a}.${b}.${c}`)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses random headers and payloads signed with nothing valid', async () => {
    const header = fc.record(
      {
        alg: fc.constantFrom('none', 'None', 'HS256', 'RS256', 'ES256', 'PS256', 'RS1', ''),
        kid: fc.constantFrom('ours', 'other', ''),
        typ: fc.string(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(header, fc.jsonValue(), fc.oneof(segment, fc.constant(validSignature)), async (h, payload, signature) => {
        const token = `${base64url.encode(JSON.stringify(h))}.${base64url.encode(JSON.stringify(payload) ?? '')}.${signature}`;
        expect(await outcome(token)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every mutation of a valid token that changes what was signed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const token = mutations.reduce(mutate, valid);
        const result = await outcome(token);
        if (result === null) return;
        // accepted: only a re-encoding of the same signature bytes may get through
        const [h, p, s] = token.split('.');
        expect(token.split('.')).toHaveLength(3);
        expect(h).toBe(validHeader);
        expect(p).toBe(validPayload);
        expect(sameBytes(s!, validSignature)).toBe(true);
        expect(result.token).toBe(token);
      }),
      { numRuns: 500 },
    );
    expect(log.errors.length).toBeGreaterThan(0);
  });
});
