import { listen, type Listening } from '@mcpauth/testing';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { UpstreamError } from '../../src/index.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import type { OAuthProxyOptions } from '../../src/proxy/options.js';
import type { StaticUpstreamOptions } from './helpers.js';
import { LOOPBACK_REDIRECT_PATTERNS, redirectUriMatcher } from '../../src/proxy/redirect-patterns.js';
import { UpstreamClient, parseTokenResponse } from '../../src/proxy/upstream.js';

describe('redirectUriMatcher', () => {
  it('default: loopback on any port and path, nothing else', () => {
    const allowed = redirectUriMatcher(LOOPBACK_REDIRECT_PATTERNS);
    expect(allowed('http://127.0.0.1:53124/callback')).toBe(true);
    expect(allowed('http://localhost:3000/oauth/cb?x=1')).toBe(true);
    expect(allowed('http://[::1]:8080/cb')).toBe(true);
    expect(allowed('http://localhost.evil.example:3000/cb')).toBe(false);
    expect(allowed('https://127.0.0.1/cb')).toBe(false);
    expect(allowed('http://user@127.0.0.1:3000/cb')).toBe(false);
    expect(allowed('http://127.0.0.1:3000/cb#frag')).toBe(false);
    expect(allowed('not a url')).toBe(false);
  });

  it('host wildcards match exactly one label; paths are exact or prefixes', () => {
    const allowed = redirectUriMatcher([
      'https://*.example.com/callback',
      'https://claude.ai/api/mcp/*',
      'cursor://anysphere.cursor-mcp/oauth/callback',
    ]);
    expect(allowed('https://app.example.com/callback')).toBe(true);
    expect(allowed('https://a.b.example.com/callback')).toBe(false);
    expect(allowed('https://example.com/callback')).toBe(false);
    expect(allowed('https://app.example.com.evil.io/callback')).toBe(false);
    expect(allowed('https://app.example.com/callback/more')).toBe(false);
    expect(allowed('https://app.example.com:8443/callback')).toBe(false);
    expect(allowed('https://claude.ai/api/mcp/auth_callback')).toBe(true);
    expect(allowed('https://claude.ai/api/other')).toBe(false);
    expect(allowed('cursor://anysphere.cursor-mcp/oauth/callback')).toBe(true);
  });

  it('refuses patterns that would allow any site', () => {
    expect(() => redirectUriMatcher(['https://*'])).toThrow(TypeError);
    expect(() => redirectUriMatcher(['https://ex*mple.com/cb'])).toThrow(TypeError);
    expect(() => redirectUriMatcher(['nonsense'])).toThrow(TypeError);
  });
});

describe('parseTokenResponse', () => {
  it('accepts a standard response and numeric strings', () => {
    const r = parseTokenResponse(
      { access_token: 'a', token_type: 'bearer', expires_in: '3600', refresh_token: 'r', refresh_token_expires_in: 100 },
      200,
    );
    expect(r).toMatchObject({ accessToken: 'a', expiresIn: 3600, refreshToken: 'r', refreshTokenExpiresIn: 100 });
  });

  it('turns an error body with status 200 (GitHub) into an UpstreamError', () => {
    expect(() => parseTokenResponse({ error: 'bad_verification_code', error_description: 'The code passed is incorrect' }, 200)).toThrow(
      expect.objectContaining({ reason: 'oauth_error', error: 'bad_verification_code' }),
    );
  });

  it('refuses bodies without an access token or with another token type', () => {
    expect(() => parseTokenResponse({ token_type: 'bearer' }, 200)).toThrow(UpstreamError);
    expect(() => parseTokenResponse({ access_token: 'a', token_type: 'DPoP' }, 200)).toThrow(UpstreamError);
    expect(() => parseTokenResponse({ access_token: 'a', refresh_token: 42 }, 200)).toThrow(UpstreamError);
  });
});

describe('UpstreamClient', () => {
  let server: Listening | undefined;
  let seen: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let reply: () => { status: number; body: string; hang?: boolean };
  afterEach(async () => {
    await server?.close();
    server = undefined;
    seen = [];
  });
  async function upstream() {
    server = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        const r = reply();
        if (r.hang) return;
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(r.body);
      });
    });
    return server;
  }
  const client = (url: string, overrides: Partial<ConstructorParameters<typeof UpstreamClient>[0]> = {}) =>
    new UpstreamClient({
      endpoints: { authorizationEndpoint: `${url}/authorize`, tokenEndpoint: `${url}/token`, revocationEndpoint: `${url}/revoke` },
      clientId: 'id:with space',
      clientSecret: 's&cret+/',
      authMethod: 'client_secret_basic',
      redirectUri: 'https://mcp.example.com/auth/callback',
      extraTokenParams: { audience: 'https://api.example.com' },
      ...overrides,
    });

  it('authenticates with form-encoded HTTP Basic and sends the code, verifier and extra parameters', async () => {
    reply = () => ({ status: 200, body: JSON.stringify({ access_token: 'up', token_type: 'Bearer' }) });
    const s = await upstream();
    await client(s.url).exchangeCode({
      code: 'c1',
      codeVerifier: 'v'.repeat(43),
      scopes: ['openid', 'x'],
      resource: 'https://mcp.example.com/mcp',
    });
    const form = new URLSearchParams(seen[0]!.body);
    expect(seen[0]!.headers['authorization']).toBe(`Basic ${btoa('id%3Awith+space:s%26cret%2B%2F')}`);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'authorization_code',
      code: 'c1',
      redirect_uri: 'https://mcp.example.com/auth/callback',
      code_verifier: 'v'.repeat(43),
      scope: 'openid x',
      resource: 'https://mcp.example.com/mcp',
      audience: 'https://api.example.com',
    });
  });

  it('client_secret_post puts the credentials in the body', async () => {
    reply = () => ({ status: 200, body: JSON.stringify({ access_token: 'up' }) });
    const s = await upstream();
    await client(s.url, { authMethod: 'client_secret_post' }).refresh({ refreshToken: 'r' });
    expect(seen[0]!.headers['authorization']).toBeUndefined();
    expect(new URLSearchParams(seen[0]!.body).get('client_secret')).toBe('s&cret+/');
  });

  it('reports OAuth error bodies, other statuses, oversized and slow answers', async () => {
    const s = await upstream();
    reply = () => ({ status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: 'expired' }) });
    await expect(client(s.url).refresh({ refreshToken: 'r' })).rejects.toMatchObject({
      reason: 'oauth_error',
      error: 'invalid_grant',
      status: 400,
    });
    reply = () => ({ status: 502, body: '<html>bad gateway</html>' });
    await expect(client(s.url).refresh({ refreshToken: 'r' })).rejects.toMatchObject({ reason: 'http_status', status: 502 });
    reply = () => ({ status: 200, body: JSON.stringify({ access_token: 'x'.repeat(5000) }) });
    await expect(client(s.url, { http: { maxResponseBytes: 1024 } }).refresh({ refreshToken: 'r' })).rejects.toMatchObject({
      reason: 'too_large',
    });
    reply = () => ({ status: 200, body: '', hang: true });
    await expect(client(s.url, { http: { timeoutMs: 150 } }).refresh({ refreshToken: 'r' })).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('revokes with a token type hint, and does nothing without a revocation endpoint', async () => {
    reply = () => ({ status: 200, body: '' });
    const s = await upstream();
    expect(await client(s.url).revoke('up-refresh', 'refresh_token')).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({ token: 'up-refresh', token_type_hint: 'refresh_token' });
    const none = client(s.url, { endpoints: { authorizationEndpoint: `${s.url}/a`, tokenEndpoint: `${s.url}/t` } });
    expect(await none.revoke('x', 'access_token')).toBe(false);
    expect(seen).toHaveLength(1);
  });
});

describe('OAuthProxy options', () => {
  const SECRET = 'upstream-secret-0123456789abcdef0123456789';
  const upstream: StaticUpstreamOptions = {
    authorizationEndpoint: 'https://idp.example.com/authorize',
    tokenEndpoint: 'https://idp.example.com/token',
    clientId: 'id',
    clientSecret: SECRET,
    verifier: { verifyToken: async () => null },
  };
  const valid: OAuthProxyOptions = { upstream, baseUrl: 'https://mcp.example.com' };
  const withUpstream = (overrides: Partial<StaticUpstreamOptions>, rest: Partial<OAuthProxyOptions> = {}): OAuthProxyOptions => ({
    ...valid,
    ...rest,
    upstream: { ...upstream, ...overrides },
  });

  it('derives the URLs', () => {
    const proxy = new OAuthProxy({ ...valid, baseUrl: 'https://mcp.example.com/api/', mcpPath: '/v1/mcp' });
    expect(proxy.resourceUrl).toBe('https://mcp.example.com/api/v1/mcp');
    expect(proxy.issuerUrl).toBe('https://mcp.example.com/api');
    expect(proxy.authorizationServers).toEqual(['https://mcp.example.com/api']);
    expect(proxy.resourceMetadataUrl).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/api/v1/mcp');
    expect(proxy.routes.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        '/api/auth/callback',
        '/api/consent',
        '/api/authorize',
        '/api/token',
        '/api/register',
        '/.well-known/oauth-authorization-server/api',
      ]),
    );
  });

  it('mounts no registration route when registration is off', () => {
    const proxy = new OAuthProxy({ ...valid, authorizationServer: { clientRegistration: false } });
    expect(proxy.routes.map((r) => r.path)).not.toContain('/register');
  });

  it.each<[string, OAuthProxyOptions]>([
    ['plain http off loopback', { ...valid, baseUrl: 'http://mcp.example.com' }],
    ['a plain http resourceBaseUrl off loopback', { ...valid, resourceBaseUrl: 'http://api.example.com' }],
    ['a plain http issuerUrl off loopback', { ...valid, issuerUrl: 'http://mcp.example.com' }],
    ['an http revocation endpoint', withUpstream({ revocationEndpoint: 'http://idp.example.com/r' })],
    ['an http upstream', withUpstream({ authorizationEndpoint: 'http://idp.example.com/a' })],
    [
      'an http configUrl',
      {
        ...valid,
        upstream: {
          configUrl: 'http://idp.example.com/.well-known/openid-configuration',
          clientId: 'id',
          clientSecret: SECRET,
          verifier: upstream.verifier,
        },
      },
    ],
    ['no verifier', withUpstream({ verifier: undefined as never })],
    ['no client id', withUpstream({ clientId: '' })],
    ['no secret and no signing key', withUpstream({ clientSecret: undefined })],
    ['a short signing key', { ...valid, jwtSigningKey: 'short' }],
    [
      'basic auth without a secret',
      withUpstream({ clientSecret: undefined, authMethod: 'client_secret_basic' }, { jwtSigningKey: 'k'.repeat(32) }),
    ],
    ['an unknown auth method', withUpstream({ authMethod: 'private_key_jwt' as never })],
    ['an unknown consent mode', { ...valid, consent: { mode: 'maybe' as never } }],
    ['a forward flag that is not a boolean', { ...valid, forward: { pkce: 'no' as never } }],
    ['default scopes outside validScopes', { ...valid, validScopes: ['a'], defaultScopes: ['b'] }],
    ['a bad upstream scope', withUpstream({ scopes: ['a b'] })],
    ['a negative lifetime', { ...valid, lifetimes: { accessToken: -1 } }],
    ['a bad path', { ...valid, redirectPath: 'callback' }],
    ['a baseUrl with a query', { ...valid, baseUrl: 'https://mcp.example.com/?x=1' }],
  ])('refuses %s with a TypeError', (_name, options) => {
    expect(() => new OAuthProxy(options)).toThrow(TypeError);
  });

  it('accepts a public upstream client with a signing key', () => {
    expect(
      () => new OAuthProxy(withUpstream({ clientSecret: undefined }, { jwtSigningKey: crypto.getRandomValues(new Uint8Array(32)) })),
    ).not.toThrow();
  });

  it('derives its keys only from 32 bytes or more: a short clientSecret needs a jwtSigningKey', () => {
    expect(() => new OAuthProxy(withUpstream({ clientSecret: 'abc' }))).toThrow(/set jwtSigningKey/);
    expect(() => new OAuthProxy(withUpstream({ clientSecret: 's'.repeat(31) }))).toThrow(TypeError);
    expect(() => new OAuthProxy({ ...valid, jwtSigningKey: 'k'.repeat(31) })).toThrow(/jwtSigningKey must be at least 32/);
    expect(() => new OAuthProxy({ ...valid, jwtSigningKey: new Uint8Array(31) })).toThrow(TypeError);
    // bytes, not UTF-16 code units: 16 two-byte characters are 32 bytes
    expect(() => new OAuthProxy({ ...valid, jwtSigningKey: 'é'.repeat(16) })).not.toThrow();
    expect(
      () => new OAuthProxy(withUpstream({ clientSecret: 'abc' }, { jwtSigningKey: crypto.getRandomValues(new Uint8Array(32)) })),
    ).not.toThrow();
    expect(() => new OAuthProxy(withUpstream({ clientSecret: 's'.repeat(32) }))).not.toThrow();
  });

  describe('without jwtSigningKey', () => {
    let warn: MockInstance<typeof console.warn>;
    beforeEach(() => {
      warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    });
    afterEach(() => warn.mockRestore());

    it('warns once per proxy when it is deployed (baseUrl not on loopback), never naming the secret', () => {
      new OAuthProxy(valid);
      expect(warn).toHaveBeenCalledTimes(1);
      const message = String(warn.mock.calls[0]![0]);
      expect(message).toMatch(/jwtSigningKey/);
      expect(message).toMatch(/https:\/\/mcp\.example\.com/);
      expect(message).not.toContain(SECRET);
      new OAuthProxy(valid);
      expect(warn).toHaveBeenCalledTimes(2);
    });

    it('stays silent with a jwtSigningKey, or on loopback (development)', () => {
      new OAuthProxy({ ...valid, jwtSigningKey: crypto.getRandomValues(new Uint8Array(32)) });
      new OAuthProxy({ ...valid, baseUrl: 'http://127.0.0.1:3000' });
      new OAuthProxy({ ...valid, baseUrl: 'http://localhost:3000' });
      expect(warn).not.toHaveBeenCalled();
    });
  });
});
