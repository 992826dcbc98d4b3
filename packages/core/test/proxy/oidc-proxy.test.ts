import { listen, type Listening, type OidcHarness } from '@mcpauth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/index.js';
import { discoverOpenIdConfiguration } from '../../src/proxy/oidc-discovery.js';
import { resolveConfig } from '../../src/proxy/config.js';
import { OIDCProxy } from '../../src/proxy/oidc-proxy.js';
import type { OAuthProxyOptions } from '../../src/proxy/options.js';
import { resolveUpstreamSource } from '../../src/proxy/runtime.js';
import {
  authorizeAndExchange,
  startUpstream,
  testClient,
  upstreamJwtVerifier,
  UPSTREAM_CLIENT_ID,
  UPSTREAM_CLIENT_SECRET,
} from './helpers.js';

const BASE = 'http://127.0.0.1:8934';
let h: OidcHarness;

beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
});
afterAll(() => h.close());

describe('OIDCProxy', () => {
  it('verifies the ID token for IdPs with opaque access tokens (verifyIdToken)', async () => {
    const proxy = new OIDCProxy({
      upstream: {
        configUrl: `${h.issuer}/.well-known/openid-configuration`,
        clientId: UPSTREAM_CLIENT_ID,
        clientSecret: UPSTREAM_CLIENT_SECRET,
        verifyIdToken: true,
        verifier: ({ jwksUri, issuer, clientId, verifyIdToken }) => {
          expect(verifyIdToken).toBe(true);
          return upstreamJwtVerifier({ jwksUri, issuer, audience: clientId });
        },
      },
      baseUrl: BASE,
    });
    expect((await proxy.configuration()).token_endpoint).toBe(h.tokenEndpoint);
    const client = testClient();
    await proxy.registerClient(client);
    const { tokens } = await authorizeAndExchange(proxy, h, client);
    const verified = await proxy.verifyToken(tokens.access_token);
    expect(verified?.subject).toBe('alice');
    expect(verified?.claims['upstream_claims']).toMatchObject({ sub: 'alice' });
  });

  it('sends `audience` upstream and always asks for openid', async () => {
    const proxy = new OIDCProxy({
      upstream: {
        configUrl: `${h.issuer}/.well-known/openid-configuration`,
        clientId: UPSTREAM_CLIENT_ID,
        clientSecret: UPSTREAM_CLIENT_SECRET,
        audience: 'https://api.example.com',
        verifier: { verifyToken: async () => null },
      },
      baseUrl: BASE,
      consent: { mode: 'off' },
      forward: { scopes: true },
    });
    const client = testClient();
    await proxy.registerClient(client);
    const consentUrl = await proxy.authorize(client, {
      scopes: ['read'],
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      redirectUri: client.redirect_uris[0]!,
      redirectUriProvidedExplicitly: true,
    });
    const upstreamUrl = new URL((await proxy.handler(new Request(consentUrl))).headers.get('location')!);
    expect(upstreamUrl.searchParams.get('audience')).toBe('https://api.example.com');
    expect(upstreamUrl.searchParams.get('scope')!.split(' ')).toEqual(['openid', 'read']);
    expect(upstreamUrl.searchParams.has('resource')).toBe(false);
  });

  it('needs a verifier or a verifier factory, and a non-empty audience (TypeError at construction)', () => {
    const upstream = {
      configUrl: `${h.issuer}/.well-known/openid-configuration`,
      clientId: 'x',
      clientSecret: 'upstream-secret-0123456789abcdef0123456789',
    };
    expect(() => new OIDCProxy({ upstream: upstream as never, baseUrl: BASE })).toThrow(TypeError);
    expect(
      () => new OIDCProxy({ upstream: { ...upstream, audience: '', verifier: { verifyToken: async () => null } }, baseUrl: BASE }),
    ).toThrow(TypeError);
  });

  it('can be extended: a provider package maps its options in its constructor', async () => {
    class TenantProvider extends OIDCProxy {
      constructor(options: { issuer: string; baseUrl: string }) {
        super({
          upstream: {
            configUrl: `${options.issuer}/.well-known/openid-configuration`,
            clientId: UPSTREAM_CLIENT_ID,
            clientSecret: UPSTREAM_CLIENT_SECRET,
            verifier: ({ jwksUri, issuer, clientId }) => upstreamJwtVerifier({ jwksUri, issuer, audience: clientId }),
          },
          baseUrl: options.baseUrl,
        });
      }
    }
    const proxy = new TenantProvider({ issuer: h.issuer, baseUrl: BASE });
    await proxy.ready();
    expect(proxy).toBeInstanceOf(OIDCProxy);
    expect((await proxy.configuration()).issuer).toBe(h.issuer);
    expect(proxy.authorizationServers).toEqual([BASE]);
  });
});

describe('OIDC discovery', () => {
  let server: Listening | undefined;
  let answer: (path: string) => { status?: number; body?: unknown; headers?: Record<string, string>; hang?: boolean };
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  async function serve() {
    server = await listen((req, res) => {
      const a = answer(req.url ?? '/');
      if (a.hang) return;
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
      res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    });
    return server;
  }
  const document = (issuer: string, extra: Record<string, unknown> = {}) => ({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    ...extra,
  });

  it('reads a valid document from a path issuer', async () => {
    answer = () => ({ body: document(`${server!.url}/tenant`) });
    const s = await serve();
    const config = await discoverOpenIdConfiguration(`${s.url}/tenant/.well-known/openid-configuration`);
    expect(config.jwks_uri).toBe(`${s.url}/tenant/jwks`);
  });

  it('refuses an issuer that does not match the configuration URL', async () => {
    answer = () => ({ body: document('https://evil.example') });
    const s = await serve();
    await expect(discoverOpenIdConfiguration(`${s.url}/.well-known/openid-configuration`)).rejects.toMatchObject({
      reason: 'invalid_body',
    });
  });

  it('refuses documents missing required members or with non-https endpoints', async () => {
    const s = await serve();
    for (const body of [
      { ...document(s.url), jwks_uri: undefined },
      { ...document(s.url), token_endpoint: 'http://idp.example/token' },
      { ...document(s.url), token_endpoint_auth_methods_supported: 'client_secret_basic' },
      [document(s.url)],
    ]) {
      answer = () => ({ body });
      await expect(discoverOpenIdConfiguration(`${s.url}/.well-known/openid-configuration`)).rejects.toBeInstanceOf(UpstreamError);
    }
  });

  it('times out, and does not follow redirects', async () => {
    const s = await serve();
    answer = () => ({ hang: true });
    await expect(
      discoverOpenIdConfiguration(`${s.url}/.well-known/openid-configuration`, { http: { timeoutMs: 200 } }),
    ).rejects.toMatchObject({
      reason: 'timeout',
    });
    answer = () => ({ status: 302, headers: { location: 'https://evil.example/.well-known/openid-configuration' } });
    await expect(discoverOpenIdConfiguration(`${s.url}/.well-known/openid-configuration`)).rejects.toMatchObject({ reason: 'redirect' });
  });

  it('refuses a configuration URL that is not https or has the wrong path', async () => {
    await expect(discoverOpenIdConfiguration('http://idp.example/.well-known/openid-configuration')).rejects.toThrow(TypeError);
    await expect(discoverOpenIdConfiguration('https://idp.example/config.json')).rejects.toThrow(TypeError);
  });

  it('authenticates at the discovered token endpoint as it supports, unless a method is set', async () => {
    answer = () => ({ body: document(server!.url, { token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_post'] }) });
    const s = await serve();
    const upstream = {
      configUrl: `${s.url}/.well-known/openid-configuration`,
      clientId: 'x',
      clientSecret: 'upstream-secret-0123456789abcdef0123456789',
      verifier: { verifyToken: async () => null },
    };
    const methodFor = async (options: OAuthProxyOptions) => (await resolveUpstreamSource(resolveConfig(options))).authMethod;
    expect(await methodFor({ upstream, baseUrl: BASE })).toBe('client_secret_post');
    expect(await methodFor({ upstream: { ...upstream, authMethod: 'client_secret_basic' }, baseUrl: BASE })).toBe('client_secret_basic');
    expect(await methodFor({ upstream: { ...upstream, clientSecret: undefined }, jwtSigningKey: 'k'.repeat(32), baseUrl: BASE })).toBe(
      'none',
    );
  });

  /** An OIDCProxy discovering the IdP served by {@link serve}. */
  const proxyAt = (url: string, onError?: (error: unknown) => void) =>
    new OIDCProxy({
      upstream: {
        configUrl: `${url}/.well-known/openid-configuration`,
        clientId: 'x',
        clientSecret: 'upstream-secret-0123456789abcdef0123456789',
        verifier: { verifyToken: async () => null },
      },
      baseUrl: BASE,
      onError,
    });

  it('a failed discovery surfaces through ready() and is retried on the next use', async () => {
    let calls = 0;
    answer = () => (++calls === 1 ? { status: 500, body: 'oops' } : { body: document(server!.url) });
    const proxy = proxyAt((await serve()).url);
    expect(calls).toBe(0); // nothing fetched at construction
    await expect(proxy.ready()).rejects.toMatchObject({ reason: 'http_status' });
    // the next use tries again, and the discovered endpoints are used from then on
    await proxy.ready();
    expect(calls).toBe(2);
    expect((await proxy.configuration()).token_endpoint).toBe(`${server!.url}/token`);
  });

  it('answers 502 on its routes and its guard, and verifyToken throws, while the upstream cannot be discovered', async () => {
    answer = () => ({ status: 503, body: 'down' });
    const errors: unknown[] = [];
    const proxy = proxyAt((await serve()).url, (e) => errors.push(e));
    const register = await proxy.handler(
      new Request(`${BASE}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'] }),
      }),
    );
    expect(register.status).toBe(502);
    expect(await register.json()).toMatchObject({ error: expect.any(String) });
    const authorize = await proxy.handler(new Request(`${BASE}/authorize?client_id=x`));
    expect(authorize.status).toBe(502);
    expect(authorize.headers.get('content-type')).toContain('text/html');
    expect(errors.filter((e) => e instanceof UpstreamError)).toHaveLength(2);
    const mcp = await proxy.guard(new Request(`${BASE}/mcp`, { headers: { authorization: 'Bearer x.y.z' } }));
    expect(mcp).toBeInstanceOf(Response);
    expect((mcp as Response).status).toBe(502);
    await expect(proxy.verifyToken('x.y.z')).rejects.toBeInstanceOf(UpstreamError);
  });
});
