import type { OidcHarness } from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, setClientAddress } from '../../src/index.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { CLIENT_REDIRECT, authorizeAndExchange, proxyOptions, startUpstream, testClient, upstreamIntrospectionVerifier } from './helpers.js';

const BASE = 'http://127.0.0.1:8947';
let h: OidcHarness;

beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
});
afterAll(() => h.close());

function setUp() {
  const clock = { offset: 0 };
  const now = () => Math.floor(Date.now() / 1000) + clock.offset;
  const store = new MemoryStore({ now: () => Date.now() + clock.offset * 1000 });
  const proxy = new OAuthProxy(
    proxyOptions(h, BASE, { upstreamVerifier: upstreamIntrospectionVerifier(h), store, now, registeredClientTtl: 3600, refreshTokenTtl: 7 * 86_400 }),
  );
  return { proxy, clock };
}

describe('OAuthProxy registered clients', () => {
  it('expire after registeredClientTtl unless they complete an authorization, then live as long as their grant', async () => {
    const { proxy, clock } = setUp();
    const unused = testClient({ client_id: 'unused-client' });
    const used = testClient({ client_id: 'used-client' });
    await proxy.registerClient(unused);
    await proxy.registerClient(used);
    await authorizeAndExchange(proxy, h, used, { scopes: ['read'] });
    clock.offset += 3600;
    expect(await proxy.getClient(unused.client_id)).toBeNull();
    expect(await proxy.getClient(used.client_id)).toMatchObject({ client_id: used.client_id });
    clock.offset += 6 * 86_400;
    expect(await proxy.getClient(used.client_id)).not.toBeNull();
  });

  it('rate limits /register per client address, with the counters in its store', async () => {
    const { proxy } = setUp();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const request = new Request(`${BASE}/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [CLIENT_REDIRECT], token_endpoint_auth_method: 'none' }),
      });
      setClientAddress(request, '192.0.2.44');
      statuses.push((await proxy.handler(request)).status);
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });
});
