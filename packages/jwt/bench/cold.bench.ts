import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, bench, describe } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { AUD, ISS, fixture, mustAccept } from './setup.js';

// The cold path (first sight of a token) against a bare jose.jwtVerify with a local key set and
// the same claim checks, in one process. The variants take turns in blocks of BLOCK_MS, in a
// rotating order, ROUNDS times, so that the drift of a shared machine falls on all of them alike
// (run one after the other, two runs of the same baseline differ by up to 10% here). Garbage is
// collected before each block, so a block pays for the garbage it makes itself: the verifier's
// cache churn included (its cache is half the token pool, so every verification is a miss and
// evicts an entry). The figure is the ratio of mean times per verification.

const POOL = 2000;
const CHUNK = 20;
const BLOCK_MS = 400;
const ROUNDS = 8;
const { keys, jwks, tokens } = await fixture(POOL);
afterAll(() => jwks.close());

const localSet = createLocalJWKSet(keys.jwks());
const joseOptions = { issuer: ISS, audience: AUD, algorithms: ['RS256'], requiredClaims: ['exp'], clockTolerance: 30 };
const missing = { maxEntries: POOL / 2 };

type Verify = (token: string) => Promise<unknown>;
const variants: [name: string, verify: Verify][] = [
  ['bare jose.jwtVerify, local key set', (t) => jwtVerify(t, localSet, joseOptions).then((r) => r.payload)],
  ['JWTVerifier, JWKS, cache miss', bind(new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, cache: missing }))],
  [
    'JWTVerifier, PEM public key, cache miss',
    bind(new JWTVerifier({ publicKey: keys.publicKeyPem, issuer: ISS, audience: AUD, cache: missing })),
  ],
  ['JWTVerifier, JWKS, cache off', bind(new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, cache: false }))],
];

function bind(verifier: JWTVerifier): Verify {
  return (t) => verifier.verifyToken(t);
}

const gc = (globalThis as { gc?: () => void }).gc;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

describe(`cold path: first sight of a token (RS256, 2048-bit), variants interleaved`, () => {
  bench(
    `${ROUNDS} rounds of ${BLOCK_MS} ms per variant`,
    async () => {
      if (!gc) throw new Error('run with --expose-gc (set in vitest.config.ts)');
      const next = variants.map(() => 0);
      const run = async (v: number, until: number) => {
        const chunks: number[] = [];
        do {
          const start = performance.now();
          for (let n = 0; n < CHUNK; n++) mustAccept(await variants[v]![1](tokens[next[v]!++ % POOL]!));
          chunks.push(performance.now() - start);
        } while (performance.now() < until);
        return chunks;
      };
      // warm-up, 800 ms each (several times through the pool): JIT, key imports, full caches
      for (let v = 0; v < variants.length; v++) await run(v, performance.now() + 800);
      const chunks = variants.map((): number[] => []);
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < variants.length; i++) {
          const v = (round + i) % variants.length;
          gc();
          chunks[v]!.push(...(await run(v, performance.now() + BLOCK_MS)));
        }
      }
      const stats = chunks.map((c) => {
        const sorted = [...c].sort((a, b) => a - b);
        const perOp = (ms: number) => (ms * 1000) / CHUNK;
        return {
          mean: perOp(c.reduce((a, b) => a + b, 0) / c.length),
          p50: perOp(percentile(sorted, 0.5)),
          p99: perOp(percentile(sorted, 0.99)),
          n: c.length * CHUNK,
        };
      });
      const base = stats[0]!;
      const rows = variants.map(([name], v) => {
        const s = stats[v]!;
        const ratio = (s.mean / base.mean).toFixed(2);
        return `  ${name.padEnd(42)} ${s.mean.toFixed(1).padStart(6)} µs mean ${s.p50.toFixed(1).padStart(6)} µs p50 ${s.p99.toFixed(1).padStart(6)} µs p99  ${ratio}× bare (by mean), ${(s.p50 / base.p50).toFixed(2)}× (p50)  ${s.n} verifications`;
      });
      console.log(`cold path, per verification (chunks of ${CHUNK}):\n${rows.join('\n')}`);
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
