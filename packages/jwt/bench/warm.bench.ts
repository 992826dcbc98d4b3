import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, bench, describe } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { AUD, ISS, fixture, mustAccept } from './setup.js';

// The warm path (the same token again: what an MCP client does on every request) against a bare
// jose.jwtVerify with a local key set and the same claim checks, in one process. Each sample runs
// a batch of sequential verifications, so the harness's own per-sample cost does not blur the
// ratio. The cold path is measured in cold.bench.ts.

const BATCH = 20;
const { keys, jwks, tokens } = await fixture(1);
afterAll(() => jwks.close());
const token = tokens[0]!;

const localSet = createLocalJWKSet(keys.jwks());
const joseOptions = { issuer: ISS, audience: AUD, algorithms: ['RS256'], requiredClaims: ['exp'], clockTolerance: 30 };
const warm = new JWTVerifier({ jwksUri: jwks.jwksUri, issuer: ISS, audience: AUD });
mustAccept(await warm.verifyToken(token));

// collect garbage before each task, so no task pays for the garbage of the one before
const gc = (globalThis as { gc?: () => void }).gc;
const options = { time: 2000, setup: () => gc?.() };

function batch(verify: (token: string) => Promise<unknown>) {
  return async () => {
    for (let n = 0; n < BATCH; n++) mustAccept(await verify(token));
  };
}

describe(`warm path: the same token again (the MCP pattern), ${BATCH} per sample`, () => {
  bench(
    'bare jose.jwtVerify, local key set',
    batch((t) => jwtVerify(t, localSet, joseOptions).then((r) => r.payload)),
    options,
  );
  bench(
    'JWTVerifier (cache hit)',
    batch((t) => warm.verifyToken(t)),
    options,
  );
});
