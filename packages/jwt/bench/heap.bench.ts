import { afterAll, bench, describe } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { startJwksServer } from '../test/helpers.js';
import { AUD, ISS } from './setup.js';

// A flood of distinct invalid tokens must not grow memory: invalid tokens are never cached, and
// the verified-token cache is bounded by `cache.maxEntries`. Needs --expose-gc (vitest.config).

const FLOOD = 100_000;
const keys = await RSAKeyPair.generate({ kid: 'k' });
const server = await startJwksServer([keys.publicJwk]);
afterAll(() => server.close());
const valid = await keys.createToken({ issuer: ISS, audience: AUD });
const [header, payload, signature] = valid.split('.') as [string, string, string];
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The i-th invalid token: bad signatures, unknown kids, expired claims, garbage, all distinct. */
function invalid(i: number): string {
  switch (i % 4) {
    case 0: // a forged signature over valid claims (a full RSA verification each)
      return `${header}.${encode({ iss: ISS, aud: AUD, sub: `s${i}`, exp: 4_000_000_000 })}.${signature}`;
    case 1: // an unknown kid
      return `${encode({ alg: 'RS256', kid: `kid-${i}` })}.${payload}.${signature}`;
    case 2: // not base64url
      return `${header}.${payload}.${signature}!${i}`;
    default: // random bytes as segments
      return `${encode({ alg: 'RS256', kid: 'k', n: i })}.${Math.random().toString(36).slice(2)}.${i.toString(36)}`;
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

describe(`memory: ${FLOOD.toLocaleString('en')} distinct invalid tokens`, () => {
  bench(
    `heap growth after ${FLOOD.toLocaleString('en')} invalid tokens`,
    async () => {
      if (!gc) throw new Error('run with --expose-gc (set in vitest.config.ts)');
      let refused = 0;
      const verifier = new JWTVerifier({ jwksUri: server.jwksUri, issuer: ISS, audience: AUD, onInvalidToken: () => refused++ });
      if ((await verifier.verifyToken(valid)) === null) throw new Error('valid token refused');
      const before = heapUsed();
      let half = 0;
      for (let i = 0; i < FLOOD; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => verifier.verifyToken(invalid(i + j))));
        if (i + 100 === FLOOD / 2) half = heapUsed();
      }
      const after = heapUsed();
      if (refused !== FLOOD) throw new Error(`expected ${FLOOD} refusals, saw ${refused}`);
      const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
      // bounded means: the second half of the flood adds (about) nothing to the first half's growth
      console.log(
        `heap ${(before / 1048576).toFixed(1)} MiB before; growth after ${FLOOD / 2} tokens ${kib(half - before)}, after ${FLOOD} tokens ${kib(after - before)}` +
          ` (${((after - before) / FLOOD).toFixed(2)} bytes per token); JWKS requests: ${server.requests}`,
      );
      if (!(await verifier.verifyToken(valid))) throw new Error('valid token refused after the flood');
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
