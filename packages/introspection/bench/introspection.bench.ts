import { startOidcProvider } from '@mcpauth/testing';
import { afterAll, bench, describe } from 'vitest';
import { IntrospectionTokenVerifier, type IntrospectionTokenVerifierOptions } from '../src/index.js';

// Against a real oidc-provider on loopback issuing opaque tokens. Figures are ratios between
// tasks of one describe block, run in the same process.

const RS = { client_id: 'bench-rs', client_secret: 'bench-rs-secret' };
const APP = { client_id: 'bench-app', client_secret: 'bench-app-secret' };

const harness = await startOidcProvider({
  accessTokenFormat: 'opaque',
  clients: [
    { ...RS, grant_types: [], response_types: [], redirect_uris: [] },
    { ...APP, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
  ],
});
afterAll(() => harness.close());

const { access_token: token } = await harness.clientCredentialsToken({
  clientId: APP.client_id,
  clientSecret: APP.client_secret,
  scope: 'read',
});

let upstreamCalls = 0;
const countingFetch: typeof fetch = (input, init) => {
  upstreamCalls++;
  return fetch(input, init);
};

function verifier(options: Partial<IntrospectionTokenVerifierOptions> = {}): IntrospectionTokenVerifier {
  return new IntrospectionTokenVerifier({
    introspectionUrl: harness.introspectionEndpoint,
    clientId: RS.client_id,
    clientSecret: RS.client_secret,
    requiredScopes: ['read'],
    expectedAudience: 'urn:test:api', // the harness's default resource
    fetch: countingFetch,
    ...options,
  } as IntrospectionTokenVerifierOptions);
}

async function mustVerify(v: IntrospectionTokenVerifier): Promise<void> {
  if ((await v.verifyToken(token)) === null) throw new Error('token refused');
}

const uncached = verifier();
const cached = verifier({ cache: { ttlSeconds: 3600 } });
await mustVerify(cached);

describe('one verification against the local provider', () => {
  bench('cache miss (cache off: one introspection request)', () => mustVerify(uncached));
  bench('cache hit (cache on)', () => mustVerify(cached));
});

describe('1000 concurrent verifications of one token (cache off)', () => {
  bench('1 verification (baseline)', () => mustVerify(uncached));
  bench('1000 concurrent verifications', async () => {
    const before = upstreamCalls;
    const results = await Promise.all(Array.from({ length: 1000 }, () => uncached.verifyToken(token)));
    if (results.some((r) => r === null)) throw new Error('token refused');
    if (upstreamCalls - before !== 1) throw new Error(`expected 1 upstream call, saw ${upstreamCalls - before}`);
  });
});
