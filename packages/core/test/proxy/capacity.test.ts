import type { OidcHarness } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '@mcpauth/testing';
import { MemoryStore, StorageFullError } from '../../src/index.js';
import { pkceChallenge, randomToken } from '../../src/lib/crypto.js';
import { setClientAddress } from '../../src/kit.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import {
  CLIENT_REDIRECT,
  authorizeAndExchange,
  proxyOptions,
  startUpstream,
  submitConsent,
  testClient,
  upstreamIntrospectionVerifier,
} from './helpers.js';

const BASE = 'http://127.0.0.1:8947';
let h: OidcHarness;

beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
});
afterAll(() => h.close());

function setUp() {
  const clock = { offset: 0 };
  const now = () => Math.floor(Date.now() / 1000) + clock.offset;
  const store = new MemoryStore({ now: () => Date.now() / 1000 + clock.offset });
  const proxy = new OAuthProxy(
    proxyOptions(h, BASE, {
      upstream: { verifier: upstreamIntrospectionVerifier(h) },
      store,
      now,
      lifetimes: { registeredClient: 3600, refreshToken: 7 * 86_400 },
    }),
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

describe('OAuthProxy with a full store collection', () => {
  /** A proxy on a store whose collections hold 3 entries each. */
  function small() {
    const store = new MemoryStore({ maxEntriesPerCollection: 3 });
    const proxy = new OAuthProxy(proxyOptions(h, BASE, { upstream: { verifier: upstreamIntrospectionVerifier(h) }, store }));
    const fill = async (collection: string, count: number) => {
      for (let i = 0; i < count; i++) await store.set(`${collection}:filler-${i}`, 'x', { ttlSeconds: 600 });
    };
    return { proxy, store, fill };
  }
  const params = async () => ({
    state: 's',
    scopes: ['read'],
    codeChallenge: await pkceChallenge(randomToken(48)),
    redirectUri: CLIENT_REDIRECT,
    redirectUriProvidedExplicitly: true,
  });

  it('authorize refuses the new transaction with StorageFullError (the endpoint redirects with temporarily_unavailable)', async () => {
    const { proxy, fill } = small();
    const client = testClient();
    await proxy.registerClient(client);
    await fill('proxy-transactions', 3);
    await expect(proxy.authorize(client, await params())).rejects.toBeInstanceOf(StorageFullError);
  });

  it('consent approval without room for the pending flow: a 503 page, and the transaction is kept for a later approval', async () => {
    const { proxy, store, fill } = small();
    const client = testClient();
    await proxy.registerClient(client);
    const consentUrl = await proxy.authorize(client, await params());
    await fill('proxy-pending', 3);
    const jar = new CookieJar();
    const refused = await submitConsent(proxy, consentUrl, jar, 'approve');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.text()).toContain('temporarily_unavailable');
    await store.delete('proxy-pending:filler-0');
    const approved = await submitConsent(proxy, consentUrl, jar, 'approve');
    expect(approved.status).toBe(303);
  });

  it('callback without room for the client code: the client gets temporarily_unavailable', async () => {
    const { proxy, fill } = small();
    const client = testClient();
    await proxy.registerClient(client);
    const consentUrl = await proxy.authorize(client, await params());
    const jar = new CookieJar();
    const approved = await submitConsent(proxy, consentUrl, jar, 'approve');
    const callback = await h.login(approved.headers.get('location')!);
    await fill('proxy-codes', 3);
    const back = await proxy.handler(new Request(callback, { headers: { cookie: jar.header() } }));
    const location = new URL(back.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(location.searchParams.get('code')).toBeNull();
  });
});
