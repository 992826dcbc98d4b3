import { createAuthorizationServer, StoreOAuthProvider, type AuthorizationServer } from '@mcpauth/core';
import { setClientAddress } from '@mcpauth/core/kit';
import { startRedis, type RedisHarness } from '@mcpauth/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';

const ISSUER = 'http://127.0.0.1:9999';
const REDIRECT = 'http://127.0.0.1:7777/callback';

let redis: RedisHarness;
const stores: RedisStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis?.close();
});

/** One instance of the authorization server: its own provider and Redis client, on the shared server. */
function instance(): AuthorizationServer {
  const store = new RedisStore({ url: redis.url, prefix: 'limit-test:' });
  stores.push(store);
  return createAuthorizationServer({
    provider: new StoreOAuthProvider({ issuerUrl: ISSUER, store }),
    issuerUrl: ISSUER,
    clientRegistration: { rateLimit: { max: 10, windowSeconds: 600 } },
  });
}

function registration(address: string): Request {
  const request = new Request(`${ISSUER}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
  });
  setClientAddress(request, address);
  return request;
}

describe('registration rate limit on a shared RedisStore', () => {
  it('holds across two instances: 10 of 60 concurrent registrations from one address get through, spread over both', async () => {
    const [a, b] = [instance(), instance()];
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).handler(registration('198.51.100.7'))));
    const created = responses.filter((r) => r.status === 201);
    expect(created).toHaveLength(10);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(50);
    expect(responses.find((r) => r.status === 429)!.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another address has its own budget, on either instance.
    expect((await b.handler(registration('198.51.100.8'))).status).toBe(201);
  });

  it('stores registered clients with a TTL (one day by default), so a flood cannot grow Redis without bound', async () => {
    const raw = new Redis(redis.url);
    try {
      const response = await instance().handler(registration('198.51.100.9'));
      const { client_id } = (await response.json()) as { client_id: string };
      const ttl = await raw.pttl(`limit-test:as.clients:${client_id}`);
      expect(ttl).toBeGreaterThan(86_000_000);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
      const counters = await raw.keys('limit-test:as.register-limit:*');
      expect(counters.length).toBeGreaterThan(0);
      for (const key of counters) expect(await raw.pttl(key)).toBeGreaterThan(0);
    } finally {
      await raw.quit();
    }
  });
});
