import { afterAll, bench, describe } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { startJwksServer } from '../test/helpers.js';
import { AUD, ISS } from './setup.js';

// A key rotation under load: 1 000 verifications in flight at once, all signed with a key the
// verifier has not seen. jose's single flight plus the verifier's cooldown: one JWKS request.

const CONCURRENCY = 1000;
const [oldKey, newKey] = await Promise.all([RSAKeyPair.generate({ kid: 'old' }), RSAKeyPair.generate({ kid: 'new' })]);
const server = await startJwksServer([oldKey.publicJwk]);
afterAll(() => server.close());
const oldToken = await oldKey.createToken({ issuer: ISS, audience: AUD });
const newTokens: string[] = [];
for (let i = 0; i < CONCURRENCY; i++) newTokens.push(await newKey.createToken({ issuer: ISS, audience: AUD, subject: `user-${i}` }));

/** A verifier that has fetched the old set long enough ago that a new kid may trigger a fetch. */
async function primedVerifier() {
  server.keys = [oldKey.publicJwk];
  let now = Date.now() / 1000;
  const verifier = new JWTVerifier({ jwksUri: server.jwksUri, issuer: ISS, audience: AUD, now: () => now });
  if ((await verifier.verifyToken(oldToken)) === null) throw new Error('old token refused');
  server.keys = [oldKey.publicJwk, newKey.publicJwk];
  now += 31;
  return verifier;
}

const requests: number[] = [];
describe(`key rotation: ${CONCURRENCY} concurrent verifications with a new kid`, () => {
  bench(
    `${CONCURRENCY} concurrent verifications`,
    async () => {
      const verifier = await primedVerifier();
      const before = server.requests;
      const results = await Promise.all(newTokens.map((t) => verifier.verifyToken(t)));
      if (results.some((r) => r === null)) throw new Error('a token with the new kid was refused');
      const fetched = server.requests - before;
      requests.push(fetched);
      if (fetched !== 1) throw new Error(`expected exactly 1 JWKS request, saw ${fetched}`);
    },
    {
      iterations: 5,
      time: 0,
      warmupIterations: 0,
      warmupTime: 0,
      teardown: () => {
        if (requests.length > 0)
          console.log(
            `JWKS requests per ${CONCURRENCY} concurrent verifications, over ${requests.length} runs: ${[...new Set(requests)].join(', ')}`,
          );
      },
    },
  );
});
