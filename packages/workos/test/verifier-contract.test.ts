import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { AuthKitProvider, WorkOSTokenVerifier, type AuthKitProviderOptions, type WorkOSTokenVerifierOptions } from '../src/index.js';
import { LEROY, startFakeWorkOS, type FakeWorkOS, type JwksMode, type UserinfoBehaviour } from './fake-workos.js';

// The verifier policy of core's TokenVerifier, checked by the shared contract suite on both
// verifiers of the package, against the fake's documented WorkOS answers.

let workos: FakeWorkOS;
// Signature checks (the verifications AuthKit's cache saves): WebCrypto through jose, or
// node:crypto on JWTVerifier's native fast path.
const subtleVerify = vi.spyOn(globalThis.crypto.subtle, 'verify');
const nodeVerify = vi.spyOn(process.getBuiltinModule('node:crypto'), 'verify');

beforeAll(async () => {
  workos = await startFakeWorkOS();
});
afterAll(async () => {
  await workos.close();
  subtleVerify.mockRestore();
  nodeVerify.mockRestore();
});

const VALID: UserinfoBehaviour = { kind: 'user', claims: { sub: LEROY.sub, email: LEROY.email } };

/** userinfo answers `behaviour` for the token until the returned function is called. */
function during(behaviour: UserinfoBehaviour) {
  return async (token: string) => {
    workos.setToken(token, behaviour);
    return async () => workos.setToken(token, VALID);
  };
}

describe('verifier contract: WorkOSTokenVerifier (userinfo)', () => {
  const fixture: VerifierFixture = {
    create: (policy) => new WorkOSTokenVerifier({ authkitDomain: workos.url, timeoutMs: 300, ...policy } as WorkOSTokenVerifierOptions),
    validToken: async () => {
      const token = await workos.sign({ aud: 'client_01JP8BD0CZ401TDF9X54NT5ZEK' });
      workos.setToken(token, VALID);
      return token;
    },
    invalidTokens: async () => ({
      'unknown to WorkOS (401)': await workos.sign({}),
      'too long': `x${'y'.repeat(9000)}`,
    }),
    outages: {
      'rate limit (429)': during({ kind: 'rate_limited' }),
      '5xx': during({ kind: 'server_error' }),
      'a body that is not JSON': during({ kind: 'malformed', body: '{"sub": ' }),
      'a body without sub': during({ kind: 'malformed', body: '{"email":"a@example.com"}' }),
      'no answer (timeout)': during({ kind: 'hang' }),
    },
    cache: { verifications: () => workos.hits('/oauth2/userinfo') },
  };
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});

describe('verifier contract: AuthKitProvider.verifier (JWT)', () => {
  const resource = 'https://mcp.example.com/mcp';
  function jwks(mode: JwksMode) {
    return async () => {
      workos.setJwksMode(mode);
      return async () => workos.setJwksMode('up');
    };
  }
  const fixture: VerifierFixture = {
    create: ({ onInvalidToken, now, cache }) =>
      new AuthKitProvider({
        authkitDomain: workos.url,
        resourceUrl: resource,
        onError: onInvalidToken,
        now,
        http: { timeoutMs: 300 },
        jwt: { jwksCooldown: 0, ...(cache === undefined ? {} : { cache }) },
      } as AuthKitProviderOptions).verifier,
    validToken: () => workos.sign({ aud: resource }),
    invalidTokens: async () => ({
      'another audience (resource indicators not configured: aud is the client id)': await workos.sign({
        aud: 'client_01JP8BD0CZ401TDF9X54NT5ZEK',
      }),
      'another issuer': await workos.sign({ aud: resource, iss: 'https://other-tenant.authkit.app' }),
      expired: await workos.sign({ aud: resource, exp: Math.floor(Date.now() / 1000) - 3600 }),
      'permissions of the wrong type': await workos.sign({ aud: resource, permissions: 'widgets:read' }),
    }),
    outages: { 'JWKS answers 5xx': jwks('server_error'), 'JWKS is malformed': jwks('malformed'), 'JWKS never answers': jwks('hang') },
    cache: { verifications: () => subtleVerify.mock.calls.length + nodeVerify.mock.calls.length },
  };
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
