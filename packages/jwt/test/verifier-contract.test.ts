import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { JWTVerifier, StaticTokenVerifier, type JWTVerifierOptions } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { startJwksServer, type JwksServer } from './helpers.js';

// The verifier policy of core's TokenVerifier, checked by the shared contract suite.

const AUD = 'https://mcp.example.com/mcp';
const ISSUER = 'https://auth.example.test';
const SECRET = 'contract-test-hmac-secret-0123456789abcdef';

const [keys, stranger] = await Promise.all([RSAKeyPair.generate({ kid: 'contract' }), RSAKeyPair.generate({ kid: 'contract' })]);
let jwks: JwksServer;
// Verifications made (not cache hits): the claims hook runs on each one, whichever path (node:crypto
// or jose) checked the signature.
let verifications = 0;
const counting = () => void verifications++;

beforeAll(async () => {
  jwks = await startJwksServer([keys.publicJwk]);
});
afterAll(async () => {
  await jwks.close();
});

let serial = 0;
const signed = () => keys.createToken({ audience: AUD, issuer: ISSUER, subject: `user-${++serial}`, scopes: ['read'] });

/** Invalid JWTs of every kind, for a verifier expecting `keys`' signature, AUD and ISSUER. */
async function invalidJwts(): Promise<Record<string, string>> {
  const valid = await signed();
  return {
    'not a JWS': 'not-a-jwt',
    'a bad signature (another key, same kid)': await stranger.createToken({ audience: AUD, issuer: ISSUER }),
    'a tampered payload': `${valid.split('.')[0]}.${Buffer.from(JSON.stringify({ sub: 'admin', aud: AUD, iss: ISSUER })).toString('base64url')}.${valid.split('.')[2]}`,
    expired: await keys.createToken({ audience: AUD, issuer: ISSUER, expiresInSeconds: -120 }),
    'another audience': await keys.createToken({ audience: 'https://other.example.com', issuer: ISSUER }),
    'another issuer': await keys.createToken({ audience: AUD, issuer: 'https://evil.example.test' }),
  };
}

/** Serve the JWKS in `mode` until the returned function is called. */
function jwksMode(mode: JwksServer['mode'], raw = ''): () => Promise<() => Promise<void>> {
  return async () => {
    jwks.mode = mode;
    jwks.raw = raw;
    return async () => {
      jwks.mode = 'ok';
    };
  };
}

const jwksFixture: VerifierFixture = {
  create: (policy) =>
    new JWTVerifier({
      jwksUri: jwks.jwksUri,
      issuer: ISSUER,
      audience: AUD,
      timeoutMs: 300,
      jwksCooldown: 0,
      claims: counting,
      ...policy,
    } as JWTVerifierOptions),
  validToken: signed,
  invalidTokens: invalidJwts,
  outages: {
    'JWKS answers 500': jwksMode('error'),
    'JWKS never answers': jwksMode('hang'),
    'JWKS answers HTML': jwksMode('raw', '<html>sign in</html>'),
    'JWKS redirects': jwksMode('redirect'),
  },
  cache: { verifications: () => verifications },
};

const secretFixture: VerifierFixture = {
  create: (policy) => new JWTVerifier({ secret: SECRET, issuer: ISSUER, audience: AUD, claims: counting, ...policy } as JWTVerifierOptions),
  validToken: () =>
    new SignJWT({ scope: 'read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`user-${++serial}`)
      .setIssuer(ISSUER)
      .setAudience(AUD)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET)),
  invalidTokens: async () => ({
    'another secret': await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer(ISSUER)
      .setAudience(AUD)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(`${SECRET}-other`)),
    'an RS256 token (algorithm confusion)': await signed(),
  }),
  outages: 'no upstream',
  cache: { verifications: () => verifications },
};

const staticTokens = Object.fromEntries(
  Array.from({ length: 8 }, (_, i) => [`static-contract-token-${i}`, { clientId: 'dev', scopes: ['read'], resource: AUD }]),
);
let nextStatic = 0;
const staticFixture: VerifierFixture = {
  create: (policy) =>
    new StaticTokenVerifier({
      tokens: { ...staticTokens, 'static-expired-token': { clientId: 'dev', scopes: ['read'], expiresAt: 1_000 } },
      ...policy,
    }),
  validToken: async () => `static-contract-token-${nextStatic++ % 8}`,
  invalidTokens: async () => ({ unknown: 'static-contract-token-unknown', expired: 'static-expired-token' }),
  outages: 'no upstream',
  cache: 'no cache',
};

describe.each([
  ['JWTVerifier (JWKS)', jwksFixture],
  ['JWTVerifier (HMAC secret)', secretFixture],
  ['StaticTokenVerifier', staticFixture],
])('verifier contract: %s', (_name, fixture) => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
