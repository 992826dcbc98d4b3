import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { IntrospectionTokenVerifier, type IntrospectionTokenVerifierOptions } from '../src/index.js';
import { fakeEndpoint, json, type FakeEndpoint, type SeenRequest } from './helpers.js';
import type { ServerResponse } from 'node:http';

// The verifier policy of core's TokenVerifier, checked by the shared contract suite against a
// local RFC 7662 endpoint.

const AUD = 'https://mcp.example.com/mcp';
let endpoint: FakeEndpoint;
let outage: ((res: ServerResponse) => void) | undefined;

/** The authorization server: `active-*` tokens are active for an hour, the rest as their name says. */
function answer(req: SeenRequest, res: ServerResponse): void {
  if (outage) {
    outage(res);
    return;
  }
  const token = req.form.get('token') ?? '';
  const exp = Math.floor(Date.now() / 1000) + 3600;
  if (token.startsWith('active-')) json(res, 200, { active: true, client_id: 'app', scope: 'read', aud: AUD, sub: 'user', exp });
  else if (token === 'tok-aud-8c1e2f') json(res, 200, { active: true, client_id: 'app', scope: 'read', aud: 'https://other.example', exp });
  else if (token === 'tok-exp-8c1e2f') json(res, 200, { active: true, client_id: 'app', aud: AUD, exp: exp - 7200 });
  else json(res, 200, { active: false });
}

beforeAll(async () => {
  endpoint = await fakeEndpoint();
  endpoint.respond(answer);
});
afterAll(() => endpoint.close());

function during(fault: (res: ServerResponse) => void) {
  return async () => {
    outage = fault;
    return async () => {
      outage = undefined;
    };
  };
}

let serial = 0;
const fixture: VerifierFixture = {
  create: (policy) =>
    new IntrospectionTokenVerifier({
      introspectionUrl: `${endpoint.url}/introspect`,
      clientId: 'rs',
      clientSecret: 'rs-secret',
      expectedAudience: AUD,
      timeoutMs: 300,
      ...policy,
    } as IntrospectionTokenVerifierOptions),
  validToken: async () => `active-8c1e2f-${++serial}`,
  invalidTokens: async () => ({ inactive: 'tok-revoked-8c1e2f', 'another audience': 'tok-aud-8c1e2f', expired: 'tok-exp-8c1e2f' }),
  outages: {
    'HTTP 500': during((res) => json(res, 500, 'down')),
    'HTTP 503 with an OAuth error': during((res) => json(res, 503, { error: 'temporarily_unavailable' })),
    'no answer (timeout)': during(() => {}),
    'a body that is not RFC 7662': during((res) => json(res, 200, { active: 'yes' })),
    'our credentials refused': during((res) => json(res, 401, { error: 'invalid_client' })),
  },
  cache: { verifications: () => endpoint.requests.length },
};

describe('verifier contract: IntrospectionTokenVerifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
