import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GoogleTokenVerifier, googleEndpoints, type GoogleTokenVerifierOptions } from '../src/index.js';
import { ADA, startFakeGoogle, type Failure, type FakeGoogle, type TokenBehaviour } from './fake-google.js';

// The verifier policy of core's TokenVerifier, checked by the shared contract suite against the
// documented answers of Google's tokeninfo and userinfo endpoints.

const CLIENT_ID = '1008719970978-hb24n2dstb40o45d4feuo2ukqmcc6381.apps.googleusercontent.com';
const SCOPE = 'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile';

let google: FakeGoogle;
beforeAll(async () => {
  google = await startFakeGoogle();
});
afterAll(() => google.close());

const valid = (overrides: Partial<Extract<TokenBehaviour, { kind: 'token' }>> = {}): TokenBehaviour => ({
  kind: 'token',
  account: ADA,
  clientId: CLIENT_ID,
  scope: SCOPE,
  expiresAt: Math.floor(Date.now() / 1000) + 3599,
  ...overrides,
});

/** The token's answers are `behaviour` until the returned function is called. */
function during(behaviour: TokenBehaviour) {
  return async (token: string) => {
    google.setToken(token, behaviour);
    return async () => google.setToken(token, valid());
  };
}
const tokeninfo = (failure: Failure) => during({ kind: 'fail', failure });
const userinfo = (failure: Failure) => during(valid({ userinfo: failure }));

const fixture: VerifierFixture = {
  create: (policy) =>
    new GoogleTokenVerifier({
      clientId: CLIENT_ID,
      endpoints: googleEndpoints(google.url),
      timeoutMs: 300,
      ...policy,
    } as GoogleTokenVerifierOptions),
  validToken: async () => google.mint(ADA, CLIENT_ID, { scope: SCOPE }),
  invalidTokens: async () => {
    const foreign = google.mint(ADA, '407408718192.apps.googleusercontent.com', { scope: SCOPE });
    const presented = google.mint(ADA, CLIENT_ID, { scope: SCOPE });
    google.setToken(presented, valid({ azp: '407408718192.apps.googleusercontent.com' }));
    const revoked = google.mint(ADA, CLIENT_ID, { scope: SCOPE });
    google.setToken(revoked, valid({ userinfo: 'revoked' }));
    return {
      'unknown to Google (tokeninfo 400)': 'ya29.unknown-contract-token',
      'issued to another Google app (aud)': foreign,
      'presented by another Google app (azp)': presented,
      'revoked before userinfo (401)': revoked,
      'expired at Google': google.mint(ADA, CLIENT_ID, { scope: SCOPE, lifetime: -5 }),
      'too long': `ya29.${'x'.repeat(5000)}`,
    };
  },
  outages: {
    'tokeninfo rate limit (429)': tokeninfo('rate_limited'),
    'tokeninfo quota (403)': tokeninfo('quota'),
    'tokeninfo 5xx': tokeninfo('server_error'),
    'tokeninfo malformed JSON': tokeninfo('malformed'),
    'tokeninfo no answer (timeout)': tokeninfo('hang'),
    'userinfo rate limit (429)': userinfo('rate_limited'),
    'userinfo 5xx': userinfo('server_error'),
    'userinfo malformed JSON': userinfo('malformed'),
    'userinfo no answer (timeout)': userinfo('hang'),
  },
  cache: { verifications: () => google.tokenInfoCalls() },
};

describe('verifier contract: GoogleTokenVerifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
