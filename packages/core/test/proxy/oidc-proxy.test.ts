import { listen, type Listening, type OidcHarness } from '@mcpauth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/index.js';
import { discoverOpenIdConfiguration } from '../../src/proxy/oidc-discovery.js';
import { OIDCProxy } from '../../src/proxy/oidc-proxy.js';
import { authorizeAndExchange, startUpstream, testClient, upstreamJwtVerifier, UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET } from './helpers.js';

const BASE = 'http://127.0.0.1:8934';
let h: OidcHarness;

beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
});
afterAll(() => h.close());

describe('OIDCProxy', () => {
  it('verifies the ID token for IdPs with opaque access tokens (verifyIdToken)', async () => {
    const proxy = await OIDCProxy.create({
      configUrl: `${h.issuer}/.well-known/openid-configuration`,
      clientId: UPSTREAM_CLIENT_ID,
      clientSecret: UPSTREAM_CLIENT_SECRET,
      baseUrl: BASE,
      verifyIdToken: true,
      createVerifier: ({ jwksUri, issuer, clientId, verifyIdToken }) => {
        expect(verifyIdToken).toBe(true);
        return upstreamJwtVerifier({ jwksUri, issuer, audience: clientId });
      },
    });
    expect(proxy.configuration.token_endpoint).toBe(h.tokenEndpoint);
    const client = testClient();
    await proxy.registerClient(client);
    const { tokens } = await authorizeAndExchange(proxy, h, client);
    const verified = await proxy.verifyToken(tokens.access_token);
    expect(verified?.subject).toBe('alice');
    expect(verified?.claims['upstream_claims']).toMatchObject({ sub: 'alice' });
  });

  it('sends `audience` upstream and always asks for openid', async () => {
    const proxy = await OIDCProxy.create({
      configUrl: `${h.issuer}/.well-known/openid-configuration`,
      clientId: UPSTREAM_CLIENT_ID,
      clientSecret: UPSTREAM_CLIENT_SECRET,
      baseUrl: BASE,
      consent: 'off',
      audience: 'https://api.example.com',
      upstreamVerifier: { verifyToken: async () => null },
      forwardScopes: true,
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

  it('needs a verifier or a verifier factory', async () => {
    await expect(
      OIDCProxy.create({ configUrl: `${h.issuer}/.well-known/openid-configuration`, clientId: 'x', clientSecret: 'upstream-secret-0123456789abcdef0123456789', baseUrl: BASE } as never),
    ).rejects.toThrow(TypeError);
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
    await expect(discoverOpenIdConfiguration(`${s.url}/.well-known/openid-configuration`)).rejects.toMatchObject({ reason: 'invalid_body' });
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
    await expect(discoverOpenIdConfiguration(`${s.url}/.well-known/openid-configuration`, { http: { timeoutMs: 200 } })).rejects.toMatchObject({
      reason: 'timeout',
    });
    answer = () => ({ status: 302, headers: { location: 'https://evil.example/.well-known/openid-configuration' } });
    await expect(discoverOpenIdConfiguration(`${s.url}/.well-known/openid-configuration`)).rejects.toMatchObject({ reason: 'redirect' });
  });

  it('refuses a configuration URL that is not https or has the wrong path', async () => {
    await expect(discoverOpenIdConfiguration('http://idp.example/.well-known/openid-configuration')).rejects.toThrow(TypeError);
    await expect(discoverOpenIdConfiguration('https://idp.example/config.json')).rejects.toThrow(TypeError);
  });

  it('OIDCProxy.create fails when discovery fails', async () => {
    answer = () => ({ status: 500, body: 'oops' });
    const s = await serve();
    await expect(
      OIDCProxy.create({
        configUrl: `${s.url}/.well-known/openid-configuration`,
        clientId: 'x',
        clientSecret: 'upstream-secret-0123456789abcdef0123456789',
        baseUrl: BASE,
        upstreamVerifier: { verifyToken: async () => null },
      }),
    ).rejects.toMatchObject({ reason: 'http_status' });
  });
});
