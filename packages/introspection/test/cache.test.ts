import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntrospectionTokenVerifier, type IntrospectionTokenVerifierOptions } from '../src/index.js';
import { fakeEndpoint, json, reports, type FakeEndpoint } from './helpers.js';

const AUD = 'https://mcp.example.com/mcp';

// Cache and single flight, counted at a small local endpoint; time is an injected clock.

let endpoint: FakeEndpoint;
let now = 1_800_000_000;

beforeAll(async () => {
  endpoint = await fakeEndpoint();
});
afterAll(() => endpoint.close());

function setup(options: Partial<IntrospectionTokenVerifierOptions> = {}) {
  const { hook, errors } = reports();
  const verifier = new IntrospectionTokenVerifier({
    introspectionUrl: `${endpoint.url}/introspect`,
    clientId: 'rs',
    clientSecret: 'rs-secret',
    expectedAudience: AUD,
    onInvalidToken: hook,
    now: () => now,
    ...options,
  } as IntrospectionTokenVerifierOptions);
  return { verifier, errors };
}

/** Count requests from here on. */
function counter(): () => number {
  const start = endpoint.requests.length;
  return () => endpoint.requests.length - start;
}

function activeFor(seconds: number) {
  return (_req: unknown, res: ServerResponse) =>
    json(res, 200, { active: true, aud: AUD, client_id: 'app', scope: 'read', exp: now + seconds });
}

describe('single flight', () => {
  it.each([
    ['cache off', {}],
    ['cache on', { cache: { ttlSeconds: 60 } }],
  ])('1000 concurrent verifications of one token make one request (%s)', async (_name, options) => {
    endpoint.respond(activeFor(3600));
    const { verifier } = setup(options);
    const requests = counter();

    const results = await Promise.all(Array.from({ length: 1000 }, () => verifier.verifyToken('shared-token')));

    expect(requests()).toBe(1);
    expect(results.every((r) => r?.clientId === 'app')).toBe(true);
    expect(new Set(results).size).toBe(1000); // each caller gets its own copy
  });

  it('a failing call is shared too: one request, every caller gets the UpstreamError', async () => {
    endpoint.respond((_req, res) => json(res, 500, 'down'));
    const { verifier, errors } = setup();
    const requests = counter();

    const results = await Promise.allSettled(Array.from({ length: 100 }, () => verifier.verifyToken('t')));

    expect(results.every((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ERR_UPSTREAM')).toBe(true);
    expect(requests()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('different tokens are not merged', async () => {
    endpoint.respond(activeFor(3600));
    const { verifier } = setup();
    const requests = counter();
    await Promise.all(['a', 'b', 'c', 'a'].map((t) => verifier.verifyToken(t)));
    expect(requests()).toBe(3);
  });
});

describe('cache', () => {
  it('is off by default: each verification asks the endpoint (revocation is seen at once)', async () => {
    endpoint.respond(activeFor(3600));
    const { verifier } = setup();
    const requests = counter();
    await verifier.verifyToken('t');
    await verifier.verifyToken('t');
    expect(requests()).toBe(2);
  });

  it('reuses an active result until the TTL', async () => {
    endpoint.respond(activeFor(3600));
    const { verifier } = setup({ cache: { ttlSeconds: 60 } });
    const requests = counter();

    await verifier.verifyToken('t');
    now += 59;
    await expect(verifier.verifyToken('t')).resolves.not.toBeNull();
    expect(requests()).toBe(1);

    now += 2;
    await verifier.verifyToken('t');
    expect(requests()).toBe(2);
  });

  it('never beyond the token exp', async () => {
    endpoint.respond(activeFor(10));
    const { verifier } = setup({ cache: { ttlSeconds: 300 } });
    const requests = counter();

    await verifier.verifyToken('t');
    now += 9;
    await verifier.verifyToken('t');
    expect(requests()).toBe(1);
    now += 2;
    await verifier.verifyToken('t');
    expect(requests()).toBe(2);
  });

  it('keeps only tokens it accepted', async () => {
    const { verifier } = setup({ cache: { ttlSeconds: 60 }, requiredScopes: ['write'] });
    const requests = counter();
    endpoint.respond((_req, res) => json(res, 200, { active: false }));
    await verifier.verifyToken('inactive');
    await verifier.verifyToken('inactive');
    endpoint.respond(activeFor(3600)); // active, but lacks "write"
    await verifier.verifyToken('underscoped');
    await verifier.verifyToken('underscoped');
    expect(requests()).toBe(4);
  });

  it('is bounded by maxEntries (least recently used evicted)', async () => {
    endpoint.respond(activeFor(3600));
    const { verifier } = setup({ cache: { ttlSeconds: 60, maxEntries: 2 } });
    const requests = counter();
    for (const t of ['a', 'b', 'c']) await verifier.verifyToken(t);
    await verifier.verifyToken('c'); // hit
    await verifier.verifyToken('a'); // evicted: miss
    expect(requests()).toBe(4);
  });

  it('hands out copies: a caller mutating its token does not change the cached one', async () => {
    endpoint.respond(activeFor(3600));
    const { verifier } = setup({ cache: { ttlSeconds: 60 } });
    const first = await verifier.verifyToken('t');
    first!.scopes.push('admin');
    first!.claims['scope'] = 'admin';
    const second = await verifier.verifyToken('t');
    expect(second!.scopes).toEqual(['read']);
    expect(second!.claims['scope']).toBe('read');
  });
});
