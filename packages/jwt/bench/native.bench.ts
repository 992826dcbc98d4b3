import { KeyObject, verify as nodeVerify } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { formatTable, interleave, type BenchVariant } from '@mcpauth/testing/interleave';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { afterAll, bench, describe } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { setEcSignatureForm } from '../src/verifier/native/signature.js';
import { startJwksServer } from '../test/helpers.js';
import { AUD, ISS, mustAccept } from './setup.js';

// The node:crypto fast path against bare jose (jwtVerify + createLocalJWKSet, the same claim
// checks), in one process, variants interleaved (see @mcpauth/testing/interleave): the cold path
// (first sight of each token: every verification misses the cache) for RS256 and ES256 with 1
// and 16 verifications in flight, with the floor of node:crypto.verify alone (no parsing, no
// claims); the warm path (the same token again); and the event-loop delay under 16 concurrent
// cold verifications, for the synchronous and the callback (thread-pool) forms of ES256.

const POOL = 2000;
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };

const rsa = await RSAKeyPair.generate({ kid: 'rsa' });
const ec = await generateKeyPair('ES256', { extractable: true });
const ecJwk: JWK = { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256', use: 'sig' };
const jwks = await startJwksServer([rsa.publicJwk, ecJwk]);
afterAll(() => jwks.close());
const localSet = createLocalJWKSet({ keys: [rsa.publicJwk as JWK, ecJwk] });

type Alg = 'RS256' | 'ES256';
const tokens: Record<Alg, string[]> = { RS256: [], ES256: [] };
for (let i = 0; i < POOL; i++) {
  const claims = { scope: 'read write', client_id: `client-${i}` };
  tokens.RS256.push(
    await rsa.createToken({ issuer: ISS, audience: AUD, scopes: ['read', 'write'], additionalClaims: { client_id: `client-${i}` } }),
  );
  tokens.ES256.push(
    await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'ec' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setSubject('u')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(ec.privateKey),
  );
}
const publicKeys: Record<Alg, KeyObject> = { RS256: KeyObject.from(rsa.publicKey), ES256: KeyObject.from(ec.publicKey) };

const joseOptions = (alg: Alg) => ({ issuer: ISS, audience: AUD, algorithms: [alg], requiredClaims: ['exp'], clockTolerance: 30 });
const verifier = (options: { nativeCrypto?: boolean; cache?: false } = {}) =>
  new JWTVerifier({
    jwksUri: jwks.jwksUri,
    issuer: ISS,
    audience: AUD,
    cache: options.cache ?? { maxEntries: POOL / 2 },
    nativeCrypto: options.nativeCrypto,
  });
function callbackFormVerifier(): JWTVerifier {
  setEcSignatureForm('callback');
  try {
    return verifier();
  } finally {
    setEcSignatureForm('sync');
  }
}

const pick = (alg: Alg, i: number) => tokens[alg][i % POOL]!;
const accept = (result: Promise<unknown>) => result.then(mustAccept);

function coldVariants(alg: Alg): BenchVariant[] {
  const key = publicKeys[alg];
  const floorKey = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  const bare = joseOptions(alg);
  const variants: BenchVariant[] = [
    { name: 'bare jose.jwtVerify, local key set', op: (i) => accept(jwtVerify(pick(alg, i), localSet, bare)) },
    {
      name: 'JWTVerifier, JWKS, cache miss (node:crypto)',
      op: (
        (v) => (i: number) =>
          accept(v.verifyToken(pick(alg, i)))
      )(verifier()),
    },
  ];
  if (alg === 'ES256')
    variants.push({
      name: 'JWTVerifier, node:crypto callback form',
      op: (
        (v) => (i: number) =>
          accept(v.verifyToken(pick(alg, i)))
      )(callbackFormVerifier()),
    });
  variants.push(
    {
      name: 'JWTVerifier, nativeCrypto: false (jose)',
      op: (
        (v) => (i: number) =>
          accept(v.verifyToken(pick(alg, i)))
      )(verifier({ nativeCrypto: false })),
    },
    {
      name: 'floor: node:crypto.verify alone',
      op: (i) => {
        const token = pick(alg, i);
        const dot = token.lastIndexOf('.');
        if (!nodeVerify('sha256', Buffer.from(token.slice(0, dot), 'latin1'), floorKey, Buffer.from(token.slice(dot + 1), 'base64url')))
          throw new Error('bad signature');
      },
    },
  );
  return variants;
}

for (const alg of ['RS256', 'ES256'] as const) {
  for (const inFlight of [1, 16]) {
    describe(`cold path, ${alg}, ${inFlight} in flight`, () => {
      bench(
        'interleaved rounds',
        async () => {
          const stats = await interleave(coldVariants(alg), { inFlight, rounds: 12, blockMs: 200, warmupMs: 600 });
          console.log(formatTable(`cold path (first sight of each token), ${alg}, ${inFlight} in flight: per verification`, stats));
        },
        once,
      );
    });
  }
}

describe('warm path (the same token again)', () => {
  bench(
    'interleaved rounds',
    async () => {
      for (const alg of ['RS256', 'ES256'] as const) {
        const token = pick(alg, 0);
        const warm = verifier();
        mustAccept(await warm.verifyToken(token));
        const bare = joseOptions(alg);
        const stats = await interleave(
          [
            { name: 'bare jose.jwtVerify, local key set', op: () => accept(jwtVerify(token, localSet, bare)) },
            { name: 'JWTVerifier (cache hit)', op: () => accept(warm.verifyToken(token)) },
          ],
          { rounds: 12, blockMs: 150, warmupMs: 400 },
        );
        console.log(formatTable(`warm path, ${alg}: µs per verification`, stats));
      }
    },
    once,
  );
});

describe('event-loop delay under 16 concurrent cold verifications', () => {
  bench(
    'p99 of the event-loop delay',
    async () => {
      const cases: [string, Alg, (i: number) => Promise<unknown>][] = [
        ['bare jose (WebCrypto, thread pool)', 'RS256', (i) => jwtVerify(pick('RS256', i), localSet, joseOptions('RS256'))],
        [
          'JWTVerifier, node:crypto sync',
          'RS256',
          (
            (v) => (i: number) =>
              v.verifyToken(pick('RS256', i))
          )(verifier()),
        ],
        ['bare jose (WebCrypto, thread pool)', 'ES256', (i) => jwtVerify(pick('ES256', i), localSet, joseOptions('ES256'))],
        [
          'JWTVerifier, node:crypto sync',
          'ES256',
          (
            (v) => (i: number) =>
              v.verifyToken(pick('ES256', i))
          )(verifier()),
        ],
        [
          'JWTVerifier, node:crypto callback',
          'ES256',
          (
            (v) => (i: number) =>
              v.verifyToken(pick('ES256', i))
          )(callbackFormVerifier()),
        ],
      ];
      const ROUNDS = 3;
      const results = cases.map(() => ({ p99: [] as number[], max: [] as number[], perOp: [] as number[] }));
      let n = 0;
      for (let round = 0; round < ROUNDS + 1; round++) {
        for (let c = 0; c < cases.length; c++) {
          const verify = cases[c]![2];
          const histogram = monitorEventLoopDelay({ resolution: 1 });
          // batches of 16 arrive as from the network: the loop turns between them
          const start = performance.now();
          let ops = 0;
          histogram.enable();
          while (performance.now() - start < 1000) {
            await Promise.all(Array.from({ length: 16 }, () => verify(n++).then(mustAccept)));
            ops += 16;
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
          histogram.disable();
          if (round === 0) continue; // warm-up round
          results[c]!.p99.push(histogram.percentile(99) / 1e6);
          results[c]!.max.push(histogram.max / 1e6);
          results[c]!.perOp.push(((performance.now() - start) * 1000) / ops);
        }
      }
      const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
      const rows = cases.map(([name, alg], c) => {
        const r = results[c]!;
        return `  ${alg} ${name.padEnd(38)} p99 ${med(r.p99).toFixed(2).padStart(6)} ms [${Math.min(...r.p99).toFixed(2)}–${Math.max(...r.p99).toFixed(2)}]  max ${med(r.max).toFixed(2).padStart(6)} ms  ${med(r.perOp).toFixed(1).padStart(6)} µs/verification`;
      });
      console.log(
        `event-loop delay (monitorEventLoopDelay, 1 ms resolution) with batches of 16 concurrent cold verifications, median of ${ROUNDS} rounds:\n${rows.join('\n')}`,
      );
    },
    once,
  );
});
