import type { VerifierCacheOptions } from '@mcpauth/core';
import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { DescopeProvider } from '../src/index.js';
import { startFakeDescope, type FakeMode, type FakeDescope } from './fake-descope.js';

// The verifier policy of core's TokenVerifier, checked by the shared contract suite on the
// provider's verifier (a JWTVerifier pinned to the Descope MCP server's issuer, the project id and RS256, with Descope's claims hook).

let descope: FakeDescope;
// Signature checks (the verifications a cache saves): WebCrypto through jose, or node:crypto on
// JWTVerifier's native fast path.
const subtleVerify = vi.spyOn(globalThis.crypto.subtle, 'verify');
const nodeVerify = vi.spyOn(process.getBuiltinModule('node:crypto'), 'verify');

beforeAll(async () => {
  descope = await startFakeDescope();
});
afterAll(async () => {
  await descope.close();
  subtleVerify.mockRestore();
  nodeVerify.mockRestore();
});

function jwks(mode: FakeMode) {
  return async () => {
    descope.setJwksMode(mode);
    return async () => descope.setJwksMode('up');
  };
}

const now = () => Math.floor(Date.now() / 1000);

const fixture: VerifierFixture = {
  create: ({ onInvalidToken, now, cache }) =>
    new DescopeProvider({
      configUrl: descope.configUrl,
      permissionsAsScopes: true,
      baseUrl: 'https://mcp.example.com',
      onError: onInvalidToken as (error: unknown) => void,
      now,
      http: { timeoutMs: 300 },
      jwt: { jwksCooldown: 0, ...(cache === undefined ? {} : { cache: cache as VerifierCacheOptions | false }) },
    }).verifier,
  validToken: () => descope.sign({ sub: `U2${crypto.randomUUID().replaceAll('-', '')}` }), // Descope tokens have no jti: a new user each time
  invalidTokens: async () => ({
    'another project': await descope.sign({ aud: [descope.clientId, 'P0therProject'] }),
    'no audience': await descope.sign({ aud: undefined }),
    'the project-level issuer': await descope.sign({ iss: descope.projectIssuer }),
    expired: await descope.sign({ exp: now() - 3600, iat: now() - 7200 }),
  }),
  outages: {
    'JWKS answers 5xx': jwks('server_error'),
    'JWKS answers 429': jwks('rate_limited'),
    'JWKS answers 401': jwks('unauthorized'),
    'JWKS is malformed': jwks('malformed'),
    'JWKS never answers': jwks('hang'),
  },
  cache: { verifications: () => subtleVerify.mock.calls.length + nodeVerify.mock.calls.length },
};

describe('verifier contract: DescopeProvider.verifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
