/**
 * The store under load and under attack (issue: "Anonymous registrations evict everyone"): live
 * grants are never evicted, registrations are rate limited and expire, a full collection refuses
 * the new write with a 503 instead of dropping an old entry.
 */
import { listen } from '@mcpauth/testing';
import { describe, expect, it } from 'vitest';
import { setClientAddress } from '../../src/kit.js';
import type { OAuthToken } from '../../src/index.js';
import { toNodeHandler } from '../../src/node.js';
import { authorize, direct, form, redeem, register, REDIRECT, type Direct, type Registered } from './fixtures.js';

/** One complete grant through the HTTP handlers: authorize, then the code exchange. */
async function grant(d: Direct, client: Registered): Promise<OAuthToken> {
  const { params, verifier } = await authorize(d, client.client_id);
  const res = await redeem(d, client.client_id, params.get('code')!, verifier);
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as OAuthToken;
}

function refresh(d: Pick<Direct, 'fetch'>, client: Registered, token: OAuthToken): Promise<Response> {
  return d.fetch('/token', form({ grant_type: 'refresh_token', refresh_token: token.refresh_token!, client_id: client.client_id }));
}

/** The user's client, access token and refresh token all still work (the refresh rotates, so its result is returned). */
async function expectStillWorks(d: Direct, client: Registered, token: OAuthToken): Promise<OAuthToken> {
  expect(await d.provider.getClient(client.client_id)).toMatchObject({ client_id: client.client_id });
  expect(await d.provider.loadAccessToken(token.access_token)).toMatchObject({ clientId: client.client_id });
  const res = await refresh(d, client, token);
  expect(res.status).toBe(200);
  const next = (await res.json()) as OAuthToken;
  expect(await d.provider.loadAccessToken(next.access_token)).toMatchObject({ clientId: client.client_id });
  return next;
}

describe('capacity of the default store', () => {
  it('keeps 100 000 active grants usable: every access token verifies, every tenth refresh token refreshes', {
    timeout: 900_000,
  }, async () => {
    const d = direct();
    const clients = await Promise.all(Array.from({ length: 10 }, () => register(d)));
    const GRANTS = Number(process.env.CAPACITY_GRANTS ?? 100_000);
    const tokens: OAuthToken[] = [];
    for (let i = 0; i < GRANTS; i += 500) {
      tokens.push(...(await Promise.all(Array.from({ length: 500 }, (_, j) => grant(d, clients[(i + j) % clients.length]!)))));
    }
    expect(tokens).toHaveLength(GRANTS);
    for (let i = 0; i < GRANTS; i += 1000) {
      const batch = tokens.slice(i, i + 1000);
      const loaded = await Promise.all(batch.map((t) => d.provider.loadAccessToken(t.access_token)));
      expect(loaded.filter((a) => a === null)).toHaveLength(0);
    }
    // Every tenth grant, spread over the whole run (the oldest grants included).
    const sample = tokens.map((t, i) => ({ t, client: clients[i % clients.length]! })).filter((_, i) => i % 10 === 0);
    for (let i = 0; i < sample.length; i += 500) {
      const statuses = await Promise.all(sample.slice(i, i + 500).map(({ t, client }) => refresh(d, client, t).then((r) => r.status)));
      expect(statuses.filter((s) => s !== 200)).toHaveLength(0);
    }
  });
});

/** POST /register as if from `address` (recorded the way the server adapters record it). */
function registerFrom(d: Direct, address: string | undefined): Promise<Response> {
  const request = new Request(new URL('/register', d.issuer), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    }),
  });
  setClientAddress(request, address);
  return d.as.handler(request);
}

/** Send `total` requests, `concurrency` at a time; the statuses in order. */
async function flood(total: number, concurrency: number, send: () => Promise<Response>): Promise<Response[]> {
  const responses: Response[] = [];
  for (let i = 0; i < total; i += concurrency) {
    responses.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, total - i) }, send))));
  }
  return responses;
}

describe('a flood of anonymous registrations', () => {
  it('from one address (default settings): 20 get through, the rest get 429 with Retry-After; the earlier user keeps working', async () => {
    const d = direct();
    const user = await register(d);
    const tokens = await grant(d, user);
    const responses = await flood(20_000, 200, () => registerFrom(d, '198.51.100.23'));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(20);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(20_000 - 20);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    expect(await limited[0]!.json()).toMatchObject({ error: 'temporarily_unavailable' });
    await expectStillWorks(d, user, tokens);
    // Another address is not affected.
    expect((await registerFrom(d, '198.51.100.24')).status).toBe(201);
    // The window ends: the address may register again.
    d.clock.advance(600);
    expect((await registerFrom(d, '198.51.100.23')).status).toBe(201);
  });

  it('from many addresses (no rate limit): all 20 000 register, nothing is evicted, and the unused ones expire after a day while the user stays', async () => {
    const d = direct({ server: { clientRegistration: { rateLimit: false } } });
    const user = await register(d);
    const tokens = await grant(d, user);
    const responses = await flood(20_000, 200, () => registerFrom(d, undefined));
    expect(responses.filter((r) => r.status !== 201)).toHaveLength(0);
    const first = (await responses[0]!.json()) as Registered;
    const last = (await responses.at(-1)!.json()) as Registered;
    expect(await d.provider.getClient(first.client_id)).not.toBeNull();
    const next = await expectStillWorks(d, user, tokens);

    d.clock.advance(86_400 + 1);
    expect(await d.provider.getClient(first.client_id)).toBeNull();
    expect(await d.provider.getClient(last.client_id)).toBeNull();
    expect(await d.provider.getClient(user.client_id)).toMatchObject({ client_id: user.client_id });
    const res = await refresh(d, user, next);
    expect(res.status).toBe(200);
  });

  it('into a full client collection: 503 with Retry-After at /register, the earlier user keeps working, registration reopens as unused clients expire', async () => {
    const d = direct({ server: { clientRegistration: { rateLimit: false } }, boundPerCollection: 1_000 });
    const user = await register(d);
    const tokens = await grant(d, user);
    const responses = await flood(2_000, 100, () => registerFrom(d, undefined));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(999);
    const full = responses.filter((r) => r.status === 503);
    expect(full).toHaveLength(1_001);
    expect(await full[0]!.json()).toMatchObject({ error: 'temporarily_unavailable' });
    const retryAfter = Number(full[0]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    await expectStillWorks(d, user, tokens);
    d.clock.advance(86_400 + 1);
    expect((await registerFrom(d, undefined)).status).toBe(201);
    expect(await d.provider.getClient(user.client_id)).not.toBeNull();
  });

  it('over real HTTP through the Node adapter: the socket address is the bucket; the earlier user keeps working', async () => {
    const d = direct();
    const server = await listen(toNodeHandler(d.as.handler));
    try {
      const http: Pick<Direct, 'fetch'> = { fetch: (path, init) => fetch(new URL(path, server.url), { redirect: 'manual', ...init }) };
      const user = await register(http);
      const { params, verifier } = await authorize(http, user.client_id);
      const tokenRes = await redeem(http, user.client_id, params.get('code')!, verifier);
      expect(tokenRes.status).toBe(200);
      const tokens = (await tokenRes.json()) as OAuthToken;
      const responses = await flood(1_000, 50, () =>
        fetch(`${server.url}/register`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
        }),
      );
      expect(responses.filter((r) => r.status === 201)).toHaveLength(19);
      expect(responses.filter((r) => r.status === 429)).toHaveLength(981);
      expect(responses.find((r) => r.status === 429)!.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await d.provider.getClient(user.client_id)).not.toBeNull();
      expect(await d.provider.loadAccessToken(tokens.access_token)).not.toBeNull();
      const refreshed = await refresh(http, user, tokens);
      expect(refreshed.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a full collection at the other endpoints', () => {
  /** Fill a collection of the store up to its bound with entries of no one. */
  async function fill(d: Direct, name: string, count: number): Promise<string[]> {
    const keys = Array.from({ length: count }, (_, i) => `${name}:filler-${i}`);
    for (const k of keys) await d.store.set(k, '{}', { ttlSeconds: 3600 });
    return keys;
  }

  it('token endpoint: 503 temporarily_unavailable; the code is not lost and works once there is room', async () => {
    const d = direct({ boundPerCollection: 5 });
    const client = await register(d);
    const { params, verifier } = await authorize(d, client.client_id);
    const fillers = await fill(d, 'as.access', 5);
    const res = await redeem(d, client.client_id, params.get('code')!, verifier);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
    await d.store.delete(fillers[0]!);
    const retry = await redeem(d, client.client_id, params.get('code')!, verifier);
    expect(retry.status).toBe(200);
  });

  it('token endpoint: a refresh refused for lack of room keeps the refresh token usable', async () => {
    const d = direct({ boundPerCollection: 5 });
    const client = await register(d);
    const tokens = await grant(d, client);
    const fillers = await fill(d, 'as.access', 4);
    const res = await refresh(d, client, tokens);
    expect(res.status).toBe(503);
    expect(await d.provider.loadAccessToken(tokens.access_token)).not.toBeNull();
    await d.store.delete(fillers[0]!);
    const retry = await refresh(d, client, tokens);
    expect(retry.status).toBe(200);
  });

  it('authorization endpoint: the client is sent back with temporarily_unavailable', async () => {
    const d = direct({ boundPerCollection: 5 });
    const client = await register(d);
    await fill(d, 'as.codes', 5);
    const { params } = await authorize(d, client.client_id);
    expect(params.get('error')).toBe('temporarily_unavailable');
    expect(params.get('code')).toBeNull();
  });
});

describe('registered clients', () => {
  it('expire after registeredClientTtl when they never get a token, and live as long as their grants once they do', async () => {
    const d = direct({ provider: { registeredClientTtl: 3600, refreshTokenTtl: 7 * 86_400 } });
    const unused = await register(d);
    const used = await register(d);
    const tokens = await grant(d, used);
    d.clock.advance(3600);
    expect(await d.provider.getClient(unused.client_id)).toBeNull();
    expect(await d.provider.getClient(used.client_id)).not.toBeNull();
    d.clock.advance(6 * 86_400);
    const res = await refresh(d, used, tokens);
    expect(res.status).toBe(200);
    // The refresh extended the client again, past the first grant's lifetime.
    d.clock.advance(2 * 86_400);
    expect(await d.provider.getClient(used.client_id)).not.toBeNull();
  });
});
