import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GitHubTokenVerifier, type GitHubTokenVerifierOptions } from '../src/index.js';
import { OCTOCAT, startFakeGitHub, type FakeGitHub, type UserBehaviour } from './fake-github.js';

// The verifier policy of core's TokenVerifier, checked by the shared contract suite against the
// documented GitHub REST API answers.

let github: FakeGitHub;
const VALID: UserBehaviour = { kind: 'user', user: OCTOCAT, scopes: 'read:user' };

beforeAll(async () => {
  github = await startFakeGitHub();
});
afterAll(() => github.close());

/** `GET /user` answers `behaviour` for the token until the returned function is called. */
function during(behaviour: UserBehaviour) {
  return async (token: string) => {
    github.setToken(token, behaviour);
    return async () => github.setToken(token, VALID);
  };
}

let serial = 0;
const fixture: VerifierFixture = {
  create: (policy) => new GitHubTokenVerifier({ apiBaseUrl: github.url, timeoutMs: 300, ...policy } as GitHubTokenVerifierOptions),
  validToken: async () => {
    const token = `gho_contract${++serial}x8c1e2f`;
    github.setToken(token, VALID);
    return token;
  },
  invalidTokens: async () => ({ 'unknown to GitHub (401)': 'gho_unknownx8c1e2f', 'too long': `gho_${'x'.repeat(5000)}` }),
  outages: {
    'rate limit (403)': during({ kind: 'rate_limited' }),
    'secondary rate limit (429)': during({ kind: 'too_many_requests' }),
    '5xx': during({ kind: 'server_error' }),
    'a malformed /user body': during({ kind: 'malformed', body: '{"id": 1,' }),
    'no answer (timeout)': during({ kind: 'hang' }),
  },
  cache: { verifications: () => github.userCalls() },
};

describe('verifier contract: GitHubTokenVerifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
