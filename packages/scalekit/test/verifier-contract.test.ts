import type { VerifierCacheOptions } from '@mcpauth/core';
import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { ScalekitProvider } from '../src/index.js';
import { startFakeScalekit, type FakeMode, type FakeScalekit } from './fake-scalekit.js';

// The verifier policy of core's TokenVerifier, checked by the shared contract suite on the
// provider's verifier (a JWTVerifier pinned to Scalekit's issuer, resource id and RS256).

let scalekit: FakeScalekit;
// Signature checks (the verifications a cache saves): WebCrypto through jose, or node:crypto on
// JWTVerifier's native fast path.
const subtleVerify = vi.spyOn(globalThis.crypto.subtle, 'verify');
const nodeVerify = vi.spyOn(process.getBuiltinModule('node:crypto'), 'verify');

beforeAll(async () => {
  scalekit = await startFakeScalekit();
});
afterAll(async () => {
  await scalekit.close();
  subtleVerify.mockRestore();
  nodeVerify.mockRestore();
});

function jwks(mode: FakeMode) {
  return async () => {
    scalekit.setJwksMode(mode);
    return async () => scalekit.setJwksMode('up');
  };
}

const now = () => Math.floor(Date.now() / 1000);

const fixture: VerifierFixture = {
  create: ({ onInvalidToken, now, cache }) =>
    new ScalekitProvider({
      environmentUrl: scalekit.url,
      resourceId: scalekit.resourceId,
      baseUrl: 'https://mcp.example.com',
      onError: onInvalidToken as (error: unknown) => void,
      now,
      http: { timeoutMs: 300 },
      jwt: { jwksCooldown: 0, ...(cache === undefined ? {} : { cache: cache as VerifierCacheOptions | false }) },
    }).verifier,
  validToken: () => scalekit.sign({}),
  invalidTokens: async () => ({
    'another resource id': await scalekit.sign({ aud: ['res_00000000000'] }),
    'no audience (older tokens)': await scalekit.sign({ aud: undefined }),
    'another issuer': await scalekit.sign({ iss: 'https://other.scalekit.com' }),
    expired: await scalekit.sign({ exp: now() - 3600, nbf: now() - 7200, iat: now() - 7200 }),
  }),
  outages: {
    'JWKS answers 5xx': jwks('server_error'),
    'JWKS answers 429': jwks('rate_limited'),
    'JWKS is malformed': jwks('malformed'),
    'JWKS never answers': jwks('hang'),
  },
  cache: { verifications: () => subtleVerify.mock.calls.length + nodeVerify.mock.calls.length },
};

describe('verifier contract: ScalekitProvider.verifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
