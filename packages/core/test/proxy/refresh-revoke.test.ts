import type { OidcHarness } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, TokenError, UpstreamError } from '../../src/index.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import {
  UPSTREAM_CLIENT_ID,
  UPSTREAM_CLIENT_SECRET,
  authorizeAndExchange,
  proxyOptions,
  startUpstream,
  testClient,
  upstreamActive,
  upstreamIntrospectionVerifier,
} from './helpers.js';

const BASE = 'http://127.0.0.1:8932';
let h: OidcHarness;

beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
});
afterAll(() => h.close());

/** A fetch that counts the calls to the upstream token endpoint. */
function countingFetch() {
  const counter = {
    tokenCalls: 0,
    revocations: [] as URLSearchParams[],
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (request.url === h.tokenEndpoint) counter.tokenCalls++;
      if (request.url === h.revocationEndpoint) counter.revocations.push(new URLSearchParams(await request.clone().text()));
      return fetch(request);
    },
  };
  return counter;
}

async function setUp(overrides: Parameters<typeof proxyOptions>[2] = {}) {
  const counter = countingFetch();
  const verifier = upstreamIntrospectionVerifier(h);
  const clock = { offset: 0 };
  const proxy = new OAuthProxy(
    proxyOptions(h, BASE, {
      upstream: { verifier },
      http: { fetch: counter.fetch },
      now: () => Math.floor(Date.now() / 1000) + clock.offset,
      ...overrides,
    }),
  );
  const client = testClient();
  await proxy.registerClient(client);
  const flow = await authorizeAndExchange(proxy, h, client, { scopes: ['read', 'write'] });
  return { proxy, client, counter, verifier, clock, ...flow };
}

describe('refresh', () => {
  it('rotates our refresh token and refreshes upstream', async () => {
    const { proxy, client, tokens, counter } = await setUp();
    const upstreamBefore = await proxy.upstreamAccessToken(tokens.access_token);
    const calls = counter.tokenCalls;
    const stored = await proxy.loadRefreshToken(client, tokens.refresh_token!);
    expect(stored).toMatchObject({ clientId: client.client_id, scopes: ['read', 'write'] });
    const next = await proxy.exchangeRefreshToken(client, stored!, ['read']);
    expect(counter.tokenCalls).toBe(calls + 1);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.scope).toBe('read');
    const upstreamAfter = await proxy.upstreamAccessToken(next.access_token);
    expect(upstreamAfter).not.toBe(upstreamBefore);
    expect(await upstreamActive(h, upstreamAfter!)).toBe(true);
    // The new refresh token still carries the family's full scopes.
    expect((await proxy.loadRefreshToken(client, next.refresh_token!))?.scopes).toEqual(['read', 'write']);
  });

  it('presenting a rotated refresh token again revokes the whole family, upstream included', async () => {
    const { proxy, client, tokens } = await setUp();
    const first = await proxy.exchangeRefreshToken(client, (await proxy.loadRefreshToken(client, tokens.refresh_token!))!, [
      'read',
      'write',
    ]);
    const upstream = await proxy.upstreamAccessToken(first.access_token);
    expect(await proxy.verifyToken(first.access_token)).not.toBeNull();
    // The old refresh token is replayed (stolen copy).
    expect(await proxy.loadRefreshToken(client, tokens.refresh_token!)).toBeNull();
    expect(await proxy.verifyToken(first.access_token)).toBeNull();
    expect(await proxy.loadRefreshToken(client, first.refresh_token!)).toBeNull();
    expect(await upstreamActive(h, upstream!)).toBe(false);
  });

  it('a replayed refresh at the exchange step is refused and also revokes the family', async () => {
    const { proxy, client, tokens } = await setUp();
    const stored = (await proxy.loadRefreshToken(client, tokens.refresh_token!))!;
    const first = await proxy.exchangeRefreshToken(client, stored, ['read']);
    await expect(proxy.exchangeRefreshToken(client, stored, ['read'])).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await proxy.verifyToken(first.access_token)).toBeNull();
  });

  it('another client cannot use the refresh token', async () => {
    const { proxy, tokens } = await setUp();
    const other = testClient();
    await proxy.registerClient(other);
    expect(await proxy.loadRefreshToken(other, tokens.refresh_token!)).toBeNull();
  });
});

describe('revocation', () => {
  it('revoking our access token ends the family and revokes the UPSTREAM tokens upstream', async () => {
    const { proxy, client, tokens, counter } = await setUp();
    const upstream = await proxy.upstreamAccessToken(tokens.access_token);
    const verified = await proxy.verifyToken(tokens.access_token);
    await proxy.revokeToken(verified!);
    expect(await proxy.verifyToken(tokens.access_token)).toBeNull();
    expect(await proxy.loadRefreshToken(client, tokens.refresh_token!)).toBeNull();
    expect(await upstreamActive(h, upstream!)).toBe(false);
    // What went to the upstream revocation endpoint were upstream tokens, never ours.
    const sent = counter.revocations.map((f) => f.get('token'));
    expect(sent).toContain(upstream);
    expect(sent).not.toContain(tokens.access_token);
    expect(sent).not.toContain(tokens.refresh_token);
  });

  it('revoking our refresh token does the same', async () => {
    const { proxy, client, tokens } = await setUp();
    const upstream = await proxy.upstreamAccessToken(tokens.access_token);
    await proxy.revokeToken((await proxy.loadRefreshToken(client, tokens.refresh_token!))!);
    expect(await proxy.verifyToken(tokens.access_token)).toBeNull();
    expect(await upstreamActive(h, upstream!)).toBe(false);
  });
});

describe('revokeUpstream hook', () => {
  it('replaces RFC 7009 revocation with the hook, handing it each upstream token and our client credentials', async () => {
    const calls: {
      token: string;
      tokenTypeHint: string;
      clientId: string;
      clientSecret: string | undefined;
      tokenEndpoint: string;
      hasHttp: boolean;
    }[] = [];
    const { proxy, tokens, counter } = await setUp({
      hooks: {
        revokeUpstream: async (r) => {
          calls.push({
            token: r.token,
            tokenTypeHint: r.tokenTypeHint,
            clientId: r.clientId,
            clientSecret: r.clientSecret,
            tokenEndpoint: r.endpoints.tokenEndpoint,
            hasHttp: r.http?.fetch !== undefined,
          });
        },
      },
    });
    const upstream = await proxy.upstreamAccessToken(tokens.access_token);
    await proxy.revokeToken((await proxy.verifyToken(tokens.access_token))!);
    expect(counter.revocations).toHaveLength(0);
    expect(calls.map((c) => c.tokenTypeHint)).toEqual(['refresh_token', 'access_token']);
    expect(calls[1]).toMatchObject({
      token: upstream,
      clientId: UPSTREAM_CLIENT_ID,
      clientSecret: UPSTREAM_CLIENT_SECRET,
      tokenEndpoint: h.tokenEndpoint, // the upstream's endpoints, for hooks that derive their URL from them
      hasHttp: true,
    });
    expect(calls.map((c) => c.token)).not.toContain(tokens.access_token);
  });

  it('a failing hook is reported, and our tokens are revoked all the same', async () => {
    const errors: unknown[] = [];
    const { proxy, tokens } = await setUp({
      onError: (e: unknown) => errors.push(e),
      hooks: { revokeUpstream: async () => Promise.reject(new UpstreamError('http_status', 'upstream said no', { status: 500 })) },
    });
    await proxy.revokeToken((await proxy.verifyToken(tokens.access_token))!);
    expect(await proxy.verifyToken(tokens.access_token)).toBeNull();
    expect(errors.some((e) => e instanceof UpstreamError)).toBe(true);
  });
});

describe('upstream outage grace', () => {
  /** The introspection verifier, switchable to "the IdP cannot be reached" or "the token is invalid". */
  function switchable() {
    const real = upstreamIntrospectionVerifier(h);
    const state = { mode: 'up' as 'up' | 'down' | 'invalid' };
    const verifier = {
      async verifyToken(token: string) {
        if (state.mode === 'down') throw new UpstreamError('http_status', 'IdP rate limit', { status: 429 });
        if (state.mode === 'invalid') return null;
        return real.verifyToken(token);
      },
    };
    return { verifier, state };
  }

  it('keeps a session on its last good validation while the upstream cannot be reached, then gives up', async () => {
    const { verifier, state } = switchable();
    const errors: unknown[] = [];
    const { proxy, tokens, clock } = await setUp({
      upstream: { verifier },
      lifetimes: { accessToken: 4 * 3600, upstreamOutageGrace: 600 },
      onError: (e: unknown) => errors.push(e),
    });
    expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    state.mode = 'down';
    clock.offset = 3700; // past the upstream expiry (3600 s): re-validation is due, the IdP is down
    expect(await proxy.verifyToken(tokens.access_token)).toMatchObject({ token: tokens.access_token });
    expect(errors.some((e) => e instanceof UpstreamError && e.status === 429)).toBe(true);
    clock.offset = 3600 + 600 + 60; // past the grace: the outage is no longer papered over
    await expect(proxy.verifyToken(tokens.access_token)).rejects.toBeInstanceOf(UpstreamError);
    state.mode = 'up';
    expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
  });

  it('an upstream that answers "invalid" ends the session at once, grace or not', async () => {
    const { verifier, state } = switchable();
    const { proxy, tokens, clock } = await setUp({
      upstream: { verifier },
      lifetimes: { accessToken: 4 * 3600, upstreamOutageGrace: 600 },
    });
    expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    state.mode = 'invalid';
    clock.offset = 3700;
    expect(await proxy.verifyToken(tokens.access_token)).toBeNull();
  });

  it('with upstreamOutageGrace 0 an outage fails the request', async () => {
    const { verifier, state } = switchable();
    const { proxy, tokens, clock } = await setUp({ upstream: { verifier }, lifetimes: { accessToken: 4 * 3600, upstreamOutageGrace: 0 } });
    expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    state.mode = 'down';
    clock.offset = 3700;
    await expect(proxy.verifyToken(tokens.access_token)).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('per-request upstream validation', () => {
  it('validates the upstream token once and caches it until the upstream expiry', async () => {
    const { proxy, tokens, verifier, clock, counter } = await setUp();
    await proxy.verifyToken(tokens.access_token);
    const calls = verifier.calls;
    for (let i = 0; i < 10; i++) expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    expect(verifier.calls).toBe(calls);
    // Past the upstream expiry (1 h at the oidc-provider), the next request refreshes upstream once.
    const tokenCalls = counter.tokenCalls;
    clock.offset = 3700;
    expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    expect(counter.tokenCalls).toBe(tokenCalls + 1);
    expect(verifier.calls).toBe(calls + 1);
    expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    expect(verifier.calls).toBe(calls + 1);
  });

  it('concurrent requests after the upstream expiry refresh upstream once', async () => {
    const { proxy, tokens, clock, counter } = await setUp();
    clock.offset = 3700;
    const calls = counter.tokenCalls;
    const results = await Promise.all(Array.from({ length: 8 }, () => proxy.verifyToken(tokens.access_token)));
    expect(results.every((r) => r !== null)).toBe(true);
    expect(counter.tokenCalls).toBe(calls + 1);
  });

  it('two instances sharing a store refresh upstream once between them', async () => {
    const store = new MemoryStore();
    const { proxy, client, tokens, clock, counter } = await setUp({ store });
    void client;
    const second = new OAuthProxy(
      proxyOptions(h, BASE, { store, http: { fetch: counter.fetch }, now: () => Math.floor(Date.now() / 1000) + clock.offset }),
    );
    clock.offset = 3700;
    const calls = counter.tokenCalls;
    const results = await Promise.all([proxy.verifyToken(tokens.access_token), second.verifyToken(tokens.access_token)]);
    expect(results.every((r) => r?.subject === 'alice')).toBe(true);
    expect(counter.tokenCalls).toBe(calls + 1);
  });

  it('a session revoked at the upstream ends at the next upstream validation', async () => {
    const { proxy, tokens, clock } = await setUp();
    const upstream = await proxy.upstreamAccessToken(tokens.access_token);
    // The user removes the app at the identity provider (its grant is revoked there).
    await fetch(h.revocationEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${btoa('mcp-proxy:upstream-secret-0123456789abcdef0123456789')}`,
      },
      body: new URLSearchParams({ token: upstream! }),
    });
    // Until the cached validation expires (the upstream token's own expiry) requests still pass...
    expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    // ...then the upstream refuses the refresh and the session ends.
    clock.offset = 3700;
    expect(await proxy.verifyToken(tokens.access_token)).toBeNull();
  });

  it('an upstream refusal of the refresh ends the session with invalid_grant', async () => {
    const { proxy, client, tokens } = await setUp();
    const refreshUpstream = async () => {
      // Revoke the grant upstream: the upstream refresh token dies with it.
      const upstream = await proxy.upstreamAccessToken(tokens.access_token);
      await h.provider.Grant.find((await h.provider.AccessToken.find(upstream!))!.grantId!).then((g) => g?.destroy());
    };
    await refreshUpstream();
    const stored = (await proxy.loadRefreshToken(client, tokens.refresh_token!))!;
    await expect(proxy.exchangeRefreshToken(client, stored, ['read'])).rejects.toBeInstanceOf(TokenError);
    expect(await proxy.verifyToken(tokens.access_token)).toBeNull();
  });
});

describe('clients not registered for the refresh_token grant', () => {
  it('get no refresh token (an MCP SDK v1 client without one re-authorizes on a step-up)', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE, { upstream: { verifier: upstreamIntrospectionVerifier(h) } }));
    const client = testClient({ grant_types: ['authorization_code'] });
    await proxy.registerClient(client);
    const { tokens } = await authorizeAndExchange(proxy, h, client, { scopes: ['read'] });
    expect(tokens.refresh_token).toBeUndefined();
    expect(await proxy.verifyToken(tokens.access_token)).toMatchObject({ clientId: client.client_id, scopes: ['read'] });
  });
});

describe('a step-up challenge refuses the next refresh (for clients that refresh instead of re-authorizing)', () => {
  it('refuses one refresh with invalid_grant after noteInsufficientScope, keeps the grant', async () => {
    const { proxy, client, tokens } = await setUp();
    await proxy.noteInsufficientScope(tokens.access_token, ['read', 'write', 'admin']);
    await expect(proxy.loadRefreshToken(client, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // the grant is intact: the access token works, and the next refresh goes through
    expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    expect(await proxy.loadRefreshToken(client, tokens.refresh_token!)).toMatchObject({ scopes: ['read', 'write'] });
  });

  it('ignores a challenge for scopes the grant already has, and invalid tokens', async () => {
    const { proxy, client, tokens } = await setUp();
    await proxy.noteInsufficientScope(tokens.access_token, ['read']);
    await proxy.noteInsufficientScope('not-a-token', ['admin']);
    expect(await proxy.loadRefreshToken(client, tokens.refresh_token!)).not.toBeNull();
  });
});
