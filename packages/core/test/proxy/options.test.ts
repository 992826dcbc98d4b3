import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import type { OAuthProxyOptions } from '../../src/proxy/options.js';
import type { StaticUpstreamOptions } from './helpers.js';

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
