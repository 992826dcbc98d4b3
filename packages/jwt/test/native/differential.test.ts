import { createHmac, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JWTVerifier, type JWTVerifierOptions } from '../../src/index.js';
import { countSignatureChecks, recorder, startJwksServer } from '../helpers.js';

// Differential tests: the node:crypto fast path against jose (the reference, `nativeCrypto:
// false`) on generated keys, headers, claims, options, clocks and mutations. Both must agree
// on accept or refuse, on the reason of a refusal and on the verified token.

const ISS = 'https://auth.example.test';
const AUD = 'https://mcp.example.com/mcp';
const BASE = 1_800_000_000;

type Family = 'RSA' | 'EC256' | 'EC384' | 'EC521' | 'Ed25519' | 'HMAC';
interface KeyCase {
  family: Family;
  algorithms: string[];
  /** Signs the signing input for `alg` (the key's own algorithms). */
  sign: (alg: string, input: Buffer) => Buffer;
  source: Partial<JWTVerifierOptions>;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = {
  EC256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  EC384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  EC521: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
};
const ed = generateKeyPairSync('ed25519');
const secret = Buffer.from('0123456789abcdef'.repeat(4)); // 64 bytes: every HS algorithm
const hash = (alg: string) => `sha${alg.slice(2)}`;
const jwkOf = (key: KeyObject) => key.export({ format: 'jwk' }) as JWK;

const KEYS: KeyCase[] = [
  {
    family: 'RSA',
    algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
    sign: (alg, input) =>
      alg.startsWith('PS')
        ? nodeSign(hash(alg), input, { key: rsa.privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: Number(alg.slice(2)) / 8 })
        : nodeSign(hash(alg), input, rsa.privateKey),
    source: { publicKey: jwkOf(rsa.publicKey) },
  },
  ...(['EC256', 'EC384', 'EC521'] as const).map(
    (family): KeyCase => ({
      family,
      algorithms: [`ES${family === 'EC521' ? 512 : family.slice(2)}`],
      sign: (alg, input) => nodeSign(hash(alg), input, { key: ec[family].privateKey, dsaEncoding: 'ieee-p1363' }),
      source: { publicKey: jwkOf(ec[family].publicKey) },
    }),
  ),
  {
    family: 'Ed25519',
    algorithms: ['EdDSA', 'Ed25519'],
    sign: (_alg, input) => nodeSign(null, input, ed.privateKey),
    source: { publicKey: jwkOf(ed.publicKey) },
  },
  {
    family: 'HMAC',
    algorithms: ['HS256', 'HS384', 'HS512'],
    sign: (alg, input) => createHmac(hash(alg), secret).update(input).digest(),
    source: { secret },
  },
];

afterEach(() => {
  vi.restoreAllMocks();
});

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64url');

/** What a verifier said: the token's fields, or the reason of the refusal. */
async function outcome(verifier: JWTVerifier, log: ReturnType<typeof recorder>, token: string) {
  log.clear();
  const result = await verifier.verifyToken(token);
  return result === null ? { refused: log.reasons(), messages: log.errors.map((e) => e.message) } : { accepted: result };
}

// ---- generators ----

/** Mostly the valid value, sometimes an odd one: runs both accept and refuse. */
const mostly = <T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<T>, weight = 6) =>
  fc.oneof({ weight, arbitrary: valid }, { weight: 1, arbitrary: odd });
/** Absent mostly. */
const sometimes = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });

// the boundaries of the default and the generated tolerances, more often than by chance
const delta = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(-121, -120, -119, -31, -30, -29, -6, -5, -4, -1, 0, 1, 4, 5, 6, 29, 30, 31, 119, 120, 121) },
  { weight: 1, arbitrary: fc.integer({ min: -400, max: 400 }) },
  { weight: 1, arbitrary: fc.double({ min: -100, max: 100, noNaN: true }) },
);
const odd = fc.constantFrom<unknown>(undefined, 'tomorrow', null, true, [1], Number.POSITIVE_INFINITY);
const at = (arb: fc.Arbitrary<number>) => arb.map((d): unknown => ({ delta: d }));
const resolveTime = (value: unknown, now: number) =>
  typeof value === 'object' && value !== null && 'delta' in value ? now + (value as { delta: number }).delta : value;

const claimsArb = fc.record({
  iss: mostly(fc.constant<unknown>(ISS), fc.constantFrom<unknown>('https://evil.example', 42, null, '', undefined)),
  aud: mostly(
    fc.constantFrom<unknown>(AUD, [AUD], ['https://x.example', AUD]),
    fc.constantFrom<unknown>(['https://x.example'], [1, AUD], 'https://other.example', 7, [], `${AUD}/`, undefined, 'https://y.example'),
  ),
  sub: mostly(fc.constant<unknown>('alice'), fc.constantFrom<unknown>('', 5, undefined)),
  client_id: sometimes(fc.constantFrom<unknown>('c1', '', 3)),
  azp: sometimes(fc.constantFrom<unknown>('az', 9)),
  scope: mostly(fc.constantFrom<unknown>('read', 'read write'), fc.constantFrom<unknown>('', 4, ['read'], undefined)),
  scp: sometimes(fc.constantFrom<unknown>(['read', 'write'], 'read')),
  exp: mostly(at(fc.integer({ min: 1, max: 3600 })), fc.oneof({ weight: 4, arbitrary: at(delta) }, { weight: 1, arbitrary: odd }), 3),
  nbf: sometimes(fc.oneof(at(delta), odd)),
  iat: mostly(at(fc.integer({ min: -60, max: 0 })), fc.oneof(at(delta), odd), 3),
  jti: fc.string({ maxLength: 8 }),
  extra: sometimes(fc.jsonValue({ maxDepth: 2 })),
});

const headerArb = fc.record({
  typ: sometimes(
    fc.constantFrom<unknown>('JWT', 'at+jwt', 'application/at+jwt', 'AT+JWT', 'Application/AT+JWT', 'application/jwt', 'jwt', '', 42),
  ),
  kid: sometimes(fc.constantFrom<unknown>('k', 'other', 3)),
  cty: sometimes(fc.constant<unknown>('JWT')),
  b64: sometimes(fc.constantFrom<unknown>(false, true)),
  x5u: sometimes(fc.constant<unknown>('https://evil.example/cert')),
});

const optionsArb = fc.record({
  issuer: sometimes(fc.constantFrom<JWTVerifierOptions['issuer']>(ISS, [ISS, 'https://second.example'], ['https://second.example'])),
  clockTolerance: sometimes(fc.constantFrom(0, 5, 30, 120)),
  maxTokenAge: sometimes(fc.constantFrom(1, 60, 3600)),
  typ: sometimes(fc.constantFrom('at+jwt', 'application/at+jwt', 'JWT', 'AT+JWT')),
  requireExp: sometimes(fc.boolean()),
  requiredScopes: sometimes(fc.constantFrom(['read'], ['read', 'write'])),
  audience: mostly(
    fc.constantFrom<string | string[]>(AUD, [AUD, 'https://x.example']),
    fc.constant<string | string[]>(['https://y.example']),
  ),
});

type Mutation = 'none' | 'flip-signature' | 'truncate-signature' | 'swap-payload' | 'raw-payload' | 'bad-length' | 'drop-alg' | 'other-alg';
const mutationArb = fc.constantFrom<Mutation>(
  'none',
  'none',
  'none',
  'flip-signature',
  'truncate-signature',
  'swap-payload',
  'raw-payload',
  'bad-length',
  'drop-alg',
  'other-alg',
);
const rawPayloadArb = fc.constantFrom(
  Buffer.from('not json'),
  Buffer.from('[1,2]'),
  Buffer.from('null'),
  Buffer.from('"string"'),
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
  Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ iss: ISS, aud: AUD, sub: 'bom', exp: BASE + 600 }))]),
  Buffer.from('{"iss":"https://auth.example.test","aud":"https://mcp.example.com/mcp","sub":"dup","sub":"dup2","exp":1800000600}'),
  Buffer.from('{"__proto__":{"iss":"x"},"iss":"https://auth.example.test","aud":"https://mcp.example.com/mcp","sub":"p","exp":1800000600}'),
);

interface Generated {
  key: KeyCase;
  alg: string;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  options: Record<string, unknown>;
  clock: number;
  mutation: Mutation;
  rawPayload: Buffer;
}

const ALL_ALGORITHMS = KEYS.flatMap((k) => k.algorithms);

function generated(keys: readonly KeyCase[]): fc.Arbitrary<Generated> {
  return fc
    .record({
      key: fc.constantFrom(...keys),
      algIndex: fc.nat(),
      header: headerArb,
      claims: claimsArb,
      options: optionsArb,
      clock: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: -200, max: 200 }) },
        { weight: 1, arbitrary: fc.double({ min: -200, max: 200, noNaN: true }) },
      ),
      mutation: mutationArb,
      rawPayload: rawPayloadArb,
      otherAlg: fc.constantFrom(...ALL_ALGORITHMS, 'none', 'HS1', ''),
    })
    .map(({ key, algIndex, otherAlg, mutation, ...rest }) => ({
      ...rest,
      key,
      mutation,
      alg: mutation === 'other-alg' ? otherAlg : key.algorithms[algIndex % key.algorithms.length]!,
    }));
}

/** The token for a generated case: signed with the key's own algorithm, then mutated. */
function tokenFor(g: Generated): string {
  const now = BASE + g.clock;
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(g.claims)) {
    const resolved = ['exp', 'nbf', 'iat'].includes(name) ? resolveTime(value, now) : value;
    if (resolved !== undefined) claims[name] = resolved;
  }
  const header: Record<string, unknown> = { alg: g.alg };
  for (const [name, value] of Object.entries(g.header)) if (value !== undefined) header[name] = value;
  if (g.mutation === 'drop-alg') delete header['alg'];
  const payload = g.mutation === 'raw-payload' ? g.rawPayload : Buffer.from(JSON.stringify(claims));
  const input = `${b64(JSON.stringify(header))}.${b64(payload)}`;
  const signingAlg = g.key.algorithms.includes(g.alg) ? g.alg : g.key.algorithms[0]!;
  let signature = g.key.sign(signingAlg, Buffer.from(input));
  if (g.mutation === 'flip-signature') signature = Buffer.from(signature.map((b, i) => (i === 7 ? b ^ 0x01 : b)));
  if (g.mutation === 'truncate-signature') signature = signature.subarray(0, signature.length - 1);
  let token = `${input}.${b64(signature)}`;
  if (g.mutation === 'swap-payload')
    token = `${input.split('.')[0]}.${b64(JSON.stringify({ ...claims, scope: 'read write admin' }))}.${b64(signature)}`;
  if (g.mutation === 'bad-length') token += 'A'.repeat((5 - ((token.length - token.lastIndexOf('.') - 1) % 4)) % 4); // a length of 1 modulo 4
  return token;
}

/** A valid token for the key, to have the key imported and selected before the generated one. */
function warmToken(key: KeyCase, alg: string, now: number): string {
  const input = `${b64(JSON.stringify({ alg, kid: 'k' }))}.${b64(JSON.stringify({ iss: ISS, aud: AUD, sub: 'warm', scope: 'read write', iat: now, exp: now + 600 }))}`;
  return `${input}.${b64(key.sign(alg, Buffer.from(input)))}`;
}

/** A native and a jose verifier with the same options and clock. */
function pair(source: Partial<JWTVerifierOptions>, options: Partial<JWTVerifierOptions>, clock: () => number) {
  const make = (nativeCrypto: boolean) => {
    const log = recorder();
    const verifier = new JWTVerifier({
      ...source,
      ...options,
      cache: false,
      now: clock,
      nativeCrypto,
      onInvalidToken: log.hook,
    } as JWTVerifierOptions);
    return { verifier, log };
  };
  return { native: make(true), jose: make(false) };
}

async function expectSameOutcome(p: ReturnType<typeof pair>, token: string) {
  const [fast, reference] = [await outcome(p.native.verifier, p.native.log, token), await outcome(p.jose.verifier, p.jose.log, token)];
  expect(fast).toEqual(reference);
  return fast;
}

describe('differential: the node:crypto fast path agrees with jose', () => {
  for (const key of KEYS) {
    it(`${key.family} (${key.algorithms.join(', ')}): accept/refuse, reason and token`, async () => {
      const checks = countSignatureChecks();
      const hmac = vi.spyOn(process.getBuiltinModule('node:crypto'), 'createHmac');
      let accepted = 0;
      let refused = 0;
      let jose = 0;
      let native = 0;
      await fc.assert(
        fc.asyncProperty(generated([key]), async (g) => {
          let now = BASE + g.clock;
          const options = Object.fromEntries(Object.entries(g.options).filter(([, v]) => v !== undefined)) as Partial<JWTVerifierOptions>;
          const p = pair(key.source, options, () => now);
          // import the key on both (the fast path takes a key jose imported)
          const warmNow = now;
          now = BASE;
          for (const alg of key.algorithms) {
            await p.native.verifier.verifyToken(warmToken(key, alg, BASE));
            await p.jose.verifier.verifyToken(warmToken(key, alg, BASE));
          }
          now = warmNow;
          const [subtleBefore, nativeBefore] = [checks.subtle(), checks.native() + hmac.mock.calls.length];
          const result = await expectSameOutcome(p, tokenFor(g));
          jose += checks.subtle() - subtleBefore;
          native += checks.native() + hmac.mock.calls.length - nativeBefore;
          if ('accepted' in result) accepted++;
          else refused++;
        }),
        // P-384 and P-521 signatures are slow to make: fewer runs
        { numRuns: key.family === 'RSA' ? 300 : key.family === 'EC256' ? 150 : key.family.startsWith('EC') ? 60 : 250 },
      );
      // both outcomes were exercised, and the fast path did verify
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
      // the fast path verified (nearly) every token whose signature jose checked too
      expect(native).toBeGreaterThan(0);
      expect(native).toBeGreaterThanOrEqual(jose * 0.9);
    });
  }

  it('JWKS with several keys (kid, no kid, unknown kid, two candidates)', async () => {
    const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keysJwks = [
      { ...jwkOf(rsa.publicKey), kid: 'rsa' },
      { ...jwkOf(ec.EC256.publicKey), kid: 'ec' },
      { ...jwkOf(second.publicKey), kid: 'ec2' },
      { ...jwkOf(ed.publicKey), kid: 'ed' },
    ];
    const server = await startJwksServer(keysJwks);
    try {
      const now = BASE;
      const p = pair(
        { jwksUri: server.jwksUri } as Partial<JWTVerifierOptions>,
        { issuer: ISS, audience: AUD, jwksCooldown: 1e9 } as Partial<JWTVerifierOptions>,
        () => now,
      );
      const signers: Record<string, (alg: string, input: Buffer) => Buffer> = {
        rsa: KEYS[0]!.sign,
        ec: KEYS[1]!.sign,
        ec2: (alg, input) => nodeSign(hash(alg), input, { key: second.privateKey, dsaEncoding: 'ieee-p1363' }),
        ed: KEYS[4]!.sign,
      };
      const algOf: Record<string, string[]> = { rsa: ['RS256', 'PS384'], ec: ['ES256'], ec2: ['ES256'], ed: ['EdDSA'] };
      const tokenArb = fc.record({
        signer: fc.constantFrom('rsa', 'ec', 'ec2', 'ed'),
        kid: fc.constantFrom<unknown>('same', undefined, 'unknown', 'rsa', 'ec', 7),
        algIndex: fc.nat(),
        exp: fc.integer({ min: -100, max: 600 }),
        flip: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(tokenArb, async ({ signer, kid, algIndex, exp, flip }) => {
          const alg = algOf[signer]![algIndex % algOf[signer]!.length]!;
          const header: Record<string, unknown> = { alg };
          if (kid !== undefined) header['kid'] = kid === 'same' ? signer : kid;
          const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify({ iss: ISS, aud: AUD, sub: signer, exp: now + exp }))}`;
          const signature = signers[signer]!(alg, Buffer.from(input));
          if (flip) signature[3] = signature[3]! ^ 1;
          await expectSameOutcome(p, `${input}.${b64(signature)}`);
        }),
        { numRuns: 300 },
      );
    } finally {
      await server.close();
    }
  });
});
