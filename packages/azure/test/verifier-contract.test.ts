import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { AzureTokenVerifier, type AzureTokenVerifierOptions } from '../src/index.js';
import { CONTOSO, FABRIKAM, startFakeEntra, type FakeEntra } from './fake-entra.js';

// The verifier policy of core's TokenVerifier, checked by the shared contract suite on
// AzureTokenVerifier (a JWTVerifier with Entra's claims hook), multi-tenant.

let entra: FakeEntra;
// Signature checks (the verifications a cache saves): WebCrypto through jose, or node:crypto on
// JWTVerifier's native fast path.
const subtleVerify = vi.spyOn(globalThis.crypto.subtle, 'verify');
const nodeVerify = vi.spyOn(process.getBuiltinModule('node:crypto'), 'verify');

beforeAll(async () => {
  entra = await startFakeEntra();
});
afterAll(async () => {
  await entra.close();
  subtleVerify.mockRestore();
  nodeVerify.mockRestore();
});

function keys(mode: 'unavailable' | 'malformed' | 'hang' | 'throttled') {
  return async () => {
    entra.fail('keys', mode);
    return async () => entra.fail('keys', 'ok');
  };
}

const fixture: VerifierFixture = {
  create: ({ onInvalidToken, now, cache }) =>
    new AzureTokenVerifier({
      clientId: entra.app.clientId,
      tenantId: 'organizations',
      allowedTenants: [CONTOSO],
      authority: entra.url,
      timeoutMs: 300,
      jwksCooldown: 0,
      onInvalidToken,
      now,
      ...(cache === undefined ? {} : { cache }),
    } as AzureTokenVerifierOptions),
  validToken: () => entra.sign(),
  invalidTokens: async () => ({
    'a v1.0 token': await entra.sign({ ver: '1.0', aud: entra.app.identifierUri }),
    'another tenant': await entra.sign({ tid: FABRIKAM, iss: `${entra.url}/${FABRIKAM}/v2.0` }),
    'iss of another tenant than tid': await entra.sign({ iss: `${entra.url}/${FABRIKAM}/v2.0` }),
    'another audience': await entra.sign({ aud: '00000003-0000-0000-c000-000000000000' }),
    expired: await entra.sign({ exp: Math.floor(Date.now() / 1000) - 3600 }),
  }),
  outages: {
    'keys answer 5xx': keys('unavailable'),
    'keys answer 429': keys('throttled'),
    'keys are malformed': keys('malformed'),
    'keys never answer': keys('hang'),
  },
  cache: { verifications: () => subtleVerify.mock.calls.length + nodeVerify.mock.calls.length },
};

describe('verifier contract: AzureTokenVerifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
