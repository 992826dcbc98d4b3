import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { SupabaseProvider, type SupabaseProviderOptions } from '../src/index.js';
import { startFakeSupabase, type FakeSupabase, type JwksMode } from './fake-supabase.js';

// The verifier policy of core's TokenVerifier, checked by the shared contract suite on the
// provider's verifier (a JWTVerifier with Supabase's claims hook).

let supabase: FakeSupabase;
// Signature checks (the verifications a cache saves): WebCrypto through jose, or node:crypto on
// JWTVerifier's native fast path.
const subtleVerify = vi.spyOn(globalThis.crypto.subtle, 'verify');
const nodeVerify = vi.spyOn(process.getBuiltinModule('node:crypto'), 'verify');

beforeAll(async () => {
  supabase = await startFakeSupabase();
});
afterAll(async () => {
  await supabase.close();
  subtleVerify.mockRestore();
  nodeVerify.mockRestore();
});

function jwks(mode: JwksMode) {
  return async () => {
    supabase.setJwksMode(mode);
    return async () => supabase.setJwksMode('up');
  };
}

const fixture: VerifierFixture = {
  create: ({ onInvalidToken, now, cache }) =>
    new SupabaseProvider({
      projectUrl: supabase.url,
      baseUrl: 'https://mcp.example.com',
      onError: onInvalidToken,
      now,
      http: { timeoutMs: 300 },
      jwt: { jwksCooldown: 0, ...(cache === undefined ? {} : { cache }) },
    } as SupabaseProviderOptions).verifier,
  validToken: () => supabase.sign({}),
  invalidTokens: async () => ({
    'a session token (no client_id)': await supabase.sign({ client_id: undefined }),
    'another audience': await supabase.sign({ aud: 'anon-api' }),
    expired: await supabase.sign({ exp: Math.floor(Date.now() / 1000) - 3600 }),
  }),
  outages: { 'JWKS answers 5xx': jwks('server_error'), 'JWKS is malformed': jwks('malformed'), 'JWKS never answers': jwks('hang') },
  cache: { verifications: () => subtleVerify.mock.calls.length + nodeVerify.mock.calls.length },
};

describe('verifier contract: SupabaseProvider.verifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
