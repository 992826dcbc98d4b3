import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, bench, describe } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { AUD, ISS, fixture, mustAccept } from './setup.js';

// Ratios between the tasks of one describe block, measured in one process. The baseline is a bare
// jose.jwtVerify against a local key set with the same claim checks. Each sample runs a batch of
// sequential verifications, so the harness's own per-sample cost does not blur the ratio.

const POOL = 2000;
const BATCH = 20;
const { keys, jwks, tokens } = await fixture(POOL);
afterAll(() => jwks.close());

const localSet = createLocalJWKSet(keys.jwks());
const joseOptions = { issuer: ISS, audience: AUD, algorithms: ['RS256'], requiredClaims: ['exp'], clockTolerance: 30 };

// a cache smaller than the pool: cycling through the pool in order, every verification is a miss
const cold = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, cache: { maxEntries: POOL / 2 } });
const coldPem = new JWTVerifier({ publicKey: keys.publicKeyPem, issuer: ISS, audience: AUD, cache: { maxEntries: POOL / 2 } });
const uncached = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD, cache: false });
const warm = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD });
const token = tokens[0]!;
mustAccept(await cold.verifyToken(token));
mustAccept(await coldPem.verifyToken(token));
mustAccept(await warm.verifyToken(token));

// Warm the process up like a server that has been running: every path through the pool twice, so
// the JIT and the heap have settled before the first task; and collect garbage before each task,
// so no task pays for the garbage of the one before (needs --expose-gc, see vitest.config.ts).
for (let round = 0; round < 2; round++) {
  for (const t of tokens) {
    mustAccept((await jwtVerify(t, localSet, joseOptions)).payload);
    mustAccept(await cold.verifyToken(t));
    mustAccept(await coldPem.verifyToken(t));
    mustAccept(await uncached.verifyToken(t));
  }
}
const gc = (globalThis as { gc?: () => void }).gc;
const options = { time: 2000, setup: () => gc?.() };

function batch(verify: (token: string) => Promise<unknown>, next: () => string) {
  return async () => {
    for (let n = 0; n < BATCH; n++) mustAccept(await verify(next()));
  };
}
const cycler = () => {
  let i = 0;
  return () => tokens[i++ % POOL]!;
};
const bareJose = (t: string) => jwtVerify(t, localSet, joseOptions).then((r) => r.payload);

describe(`cold path: first sight of a token (RS256, 2048-bit), ${BATCH} per sample`, () => {
  bench('bare jose.jwtVerify, local key set', batch(bareJose, cycler()), options);
  bench('JWTVerifier, JWKS (cache miss)', batch((t) => cold.verifyToken(t), cycler()), options);
  bench('JWTVerifier, PEM public key (cache miss)', batch((t) => coldPem.verifyToken(t), cycler()), options);
  // what the cache's bookkeeping costs on a miss (the hash of the signature, the entry)
  bench('JWTVerifier, JWKS (cache off)', batch((t) => uncached.verifyToken(t), cycler()), options);
  // the same baseline again: tasks run one after the other, and the spread between the two runs
  // of the baseline shows how much the machine drifted meanwhile
  bench('bare jose.jwtVerify, local key set (again)', batch(bareJose, cycler()), options);
});

describe(`warm path: the same token again (the MCP pattern), ${BATCH} per sample`, () => {
  bench('bare jose.jwtVerify, local key set', batch(bareJose, () => token), options);
  bench('JWTVerifier (cache hit)', batch((t) => warm.verifyToken(t), () => token), options);
});
