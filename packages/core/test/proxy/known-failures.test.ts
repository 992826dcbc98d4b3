/**
 * One test per known failure of existing OAuth proxies (DESIGN.md, "Known failures of existing
 * implementations that we must not repeat").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieJar, listen, type OidcHarness } from '@mcpauth/testing';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, type AccessToken } from '../../src/index.js';
import { parseScopes } from '../../src/kit.js';
import { pkceChallenge, randomToken } from '../../src/lib/crypto.js';
import { FileStore } from '../../src/node.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { OIDCProxy } from '../../src/proxy/oidc-proxy.js';
import {
  authorizeAndExchange,
  proxyOptions,
  startUpstream,
  submitConsent,
  testClient,
  upstreamIntrospectionVerifier,
  UPSTREAM_CLIENT_ID,
  UPSTREAM_CLIENT_SECRET,
} from './helpers.js';
import { authorizeOverHttp, registerOverHttp, startProxyStack, type ProxyStack } from './stack.js';

const BASE = 'http://127.0.0.1:8935';
let h: OidcHarness;
beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
});
afterAll(() => h.close());

describe('known failures of existing proxies', () => {
  it('one unsupported key in the JWKS does not poison the set (OIDCProxy with a jwks_uri verifier)', async () => {
    const jwt = await startUpstream(`${BASE}/auth/callback`, { accessTokenFormat: 'jwt' });
    // The discovered key set, plus a key no JOSE library supports, served first.
    const jwks = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ kty: 'OKP', crv: 'X448-unknown', x: 'AAAA', kid: 'bogus' }, ...jwt.publicKeys()] }));
    });
    try {
      let discovered = '';
      const proxy = new OIDCProxy({
        baseUrl: BASE,
        upstream: {
          configUrl: `${jwt.issuer}/.well-known/openid-configuration`,
          clientId: UPSTREAM_CLIENT_ID,
          clientSecret: UPSTREAM_CLIENT_SECRET,
          verifier: ({ jwksUri, issuer }) => {
            discovered = jwksUri;
            const keys = createRemoteJWKSet(new URL(jwks.url));
            return {
              verifyToken: async (token: string): Promise<AccessToken | null> => {
                const { payload } = await jwtVerify(token, keys, { issuer }).catch(() => ({ payload: null }));
                return payload
                  ? {
                      token,
                      clientId: String(payload['client_id']),
                      scopes: parseScopes(payload['scope']),
                      subject: payload.sub,
                      expiresAt: payload.exp,
                      claims: payload,
                    }
                  : null;
              },
            };
          },
        },
      });
      await proxy.ready();
      expect(discovered).toBe(jwt.jwksUri);
      const client = testClient();
      await proxy.registerClient(client);
      const { tokens } = await authorizeAndExchange(proxy, jwt, client);
      expect((await proxy.verifyToken(tokens.access_token))?.subject).toBe('alice');
    } finally {
      await jwks.close();
      await jwt.close();
    }
  });

  it('does not re-validate the upstream token on every request (no premature session death)', async () => {
    const verifier = upstreamIntrospectionVerifier(h);
    const clock = { offset: 0 };
    const proxy = new OAuthProxy(
      proxyOptions(h, BASE, { upstream: { verifier }, now: () => Math.floor(Date.now() / 1000) + clock.offset }),
    );
    const client = testClient();
    await proxy.registerClient(client);
    const { tokens } = await authorizeAndExchange(proxy, h, client);
    for (let i = 0; i < 25; i++) expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    expect(verifier.calls).toBe(2); // once at the callback, once for the first request
    // When the upstream token expires, the session is renewed upstream rather than ended.
    clock.offset = 3600 + 60;
    expect(await proxy.verifyToken(tokens.access_token)).not.toBeNull();
    expect(verifier.calls).toBe(3);
  });

  describe('refresh-token lifetime is not hard-coded', () => {
    let fake: Awaited<ReturnType<typeof listen>> | undefined;
    afterEach(async () => {
      await fake?.close();
      fake = undefined;
    });

    async function withUpstream(tokenResponse: Record<string, unknown>, overrides: Parameters<typeof proxyOptions>[2] = {}) {
      fake = await listen((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: `up-${randomToken(8)}`, token_type: 'bearer', ...tokenResponse }));
      });
      const proxy = new OAuthProxy(
        proxyOptions(h, BASE, {
          ...overrides,
          upstream: {
            authorizationEndpoint: `${fake.url}/authorize`,
            tokenEndpoint: `${fake.url}/token`,
            verifier: { verifyToken: async (token) => ({ token, clientId: 'x', scopes: [], subject: 'u1', claims: {} }) },
            ...overrides.upstream,
          },
        }),
      );
      const client = testClient();
      await proxy.registerClient(client);
      const consentUrl = await proxy.authorize(client, {
        codeChallenge: await pkceChallenge(randomToken(48)),
        redirectUri: client.redirect_uris[0]!,
        redirectUriProvidedExplicitly: true,
      });
      const jar = new CookieJar();
      const approved = await submitConsent(proxy, consentUrl, jar, 'approve');
      const state = new URL(approved.headers.get('location')!).searchParams.get('state');
      const back = await proxy.handler(new Request(`${BASE}/auth/callback?code=c&state=${state}`, { headers: { cookie: jar.header() } }));
      const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
      const tokens = await proxy.exchangeAuthorizationCode(client, (await proxy.loadAuthorizationCode(client, code))!);
      const exp = decodeJwt(tokens.refresh_token!).exp! - Math.floor(Date.now() / 1000);
      return { exp, stored: await proxy.loadRefreshToken(client, tokens.refresh_token!) };
    }

    it("follows the upstream's refresh_token_expires_in", async () => {
      const { exp } = await withUpstream({ refresh_token: 'r1', expires_in: 28800, refresh_token_expires_in: 15_897_600 });
      expect(exp).toBeGreaterThan(15_897_600 - 5);
      expect(exp).toBeLessThanOrEqual(15_897_600);
    });

    it('uses the configured fallback when the upstream says nothing', async () => {
      const { exp } = await withUpstream({ refresh_token: 'r1', expires_in: 3600 }, { lifetimes: { refreshToken: 7 * 24 * 3600 } });
      expect(exp).toBeGreaterThan(7 * 24 * 3600 - 5);
      expect(exp).toBeLessThanOrEqual(7 * 24 * 3600);
    });
  });

  it('sends the UPSTREAM tokens, never its own, to the upstream revocation endpoint', async () => {
    const bodies: URLSearchParams[] = [];
    const proxy = new OAuthProxy(
      proxyOptions(h, BASE, {
        http: {
          fetch: async (input, init) => {
            const request = new Request(input, init);
            if (request.url === h.revocationEndpoint) bodies.push(new URLSearchParams(await request.clone().text()));
            return fetch(request);
          },
        },
      }),
    );
    const client = testClient();
    await proxy.registerClient(client);
    const { tokens } = await authorizeAndExchange(proxy, h, client);
    const upstream = await proxy.upstreamAccessToken(tokens.access_token);
    await proxy.revokeToken((await proxy.loadRefreshToken(client, tokens.refresh_token!))!);
    expect(bodies.map((b) => b.get('token_type_hint'))).toEqual(['refresh_token', 'access_token']);
    expect(bodies[1]!.get('token')).toBe(upstream);
    for (const b of bodies) {
      expect(b.get('token')).not.toBe(tokens.refresh_token);
      expect(b.get('token')).not.toBe(tokens.access_token);
    }
  });

  it('keeps clients, transactions and tokens across a restart (FileStore)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-restart-'));
    try {
      const path = join(dir, 'store.json');
      const before = new OAuthProxy(proxyOptions(h, BASE, { store: new FileStore({ path }) }));
      const client = testClient();
      await before.registerClient(client);
      const consentUrl = await before.authorize(client, {
        state: 'restart',
        codeChallenge: await pkceChallenge(randomToken(48)),
        redirectUri: client.redirect_uris[0]!,
        redirectUriProvidedExplicitly: true,
      });
      // Restart: a new process with the same file and the same upstream secret.
      const after = new OAuthProxy(proxyOptions(h, BASE, { store: new FileStore({ path }) }));
      expect(await after.getClient(client.client_id)).toMatchObject({ client_id: client.client_id });
      const jar = new CookieJar();
      const approved = await submitConsent(after, consentUrl, jar, 'approve');
      expect(approved.status).toBe(303);
      const back = await after.handler(
        new Request(await h.login(approved.headers.get('location')!), { headers: { cookie: jar.header() } }),
      );
      const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
      const tokens = await after.exchangeAuthorizationCode(client, (await after.loadAuthorizationCode(client, code))!);
      const third = new OAuthProxy(proxyOptions(h, BASE, { store: new FileStore({ path }) }));
      expect((await third.verifyToken(tokens.access_token))?.subject).toBe('alice');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps flows working across replicas sharing one store', async () => {
    const store = new MemoryStore();
    const a = new OAuthProxy(proxyOptions(h, BASE, { store }));
    const b = new OAuthProxy(proxyOptions(h, BASE, { store }));
    const client = testClient();
    await a.registerClient(client);
    const consentUrl = await a.authorize(client, {
      codeChallenge: await pkceChallenge(randomToken(48)),
      redirectUri: client.redirect_uris[0]!,
      redirectUriProvidedExplicitly: true,
    });
    const jar = new CookieJar();
    const approved = await submitConsent(b, consentUrl, jar, 'approve');
    const back = await a.handler(new Request(await h.login(approved.headers.get('location')!), { headers: { cookie: jar.header() } }));
    const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
    const tokens = await b.exchangeAuthorizationCode(client, (await b.loadAuthorizationCode(client, code))!);
    expect((await a.verifyToken(tokens.access_token))?.subject).toBe('alice');
  });

  describe('over HTTP', () => {
    let stack: ProxyStack | undefined;
    afterEach(async () => {
      await stack?.close();
      stack = undefined;
    });

    it('finds DCR clients after a restart', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'proxy-dcr-'));
      const path = join(dir, 'store.json');
      try {
        stack = await startProxyStack((url, up) => new OAuthProxy(proxyOptions(up, url, { store: new FileStore({ path }) })));
        const { client_id } = await registerOverHttp(stack);
        // Restart: a new proxy on the same file serves the same URL; the client signs in with its old registration.
        stack.swap(new OAuthProxy(proxyOptions(stack.h, stack.url, { store: new FileStore({ path }) })));
        const res = await authorizeOverHttp(stack, client_id, { scope: 'read' });
        expect(res.status).toBe(200);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('accepts a resource with a query string (?kb_name=…) at authorize and token', async () => {
      stack = await startProxyStack((url, up) => new OAuthProxy(proxyOptions(up, url)));
      const { client_id } = await registerOverHttp(stack);
      const resource = `${stack.mcpUrl}?kb_name=team-notes`;
      const res = await authorizeOverHttp(stack, client_id, { scope: 'read', resource, tokenResource: resource });
      expect(res.status).toBe(200);
      const { access_token } = (await res.json()) as { access_token: string };
      // The token is bound to the canonical resource: the query string is not part of the audience.
      expect((await stack.proxy.verifyToken(access_token))?.claims['aud']).toBe(stack.mcpUrl);
    });

    it('accepts clients that send no resource and no scope', async () => {
      stack = await startProxyStack((url, up) => new OAuthProxy(proxyOptions(up, url, { defaultScopes: ['read'] })));
      const { client_id } = await registerOverHttp(stack);
      const res = await authorizeOverHttp(stack, client_id);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { access_token: string; scope: string };
      expect(body.scope).toBe('read');
      expect((await stack.proxy.verifyToken(body.access_token))?.resource).toBe(stack.mcpUrl);
    });
  });
});
