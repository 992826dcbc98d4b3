import { describe, expect, it } from 'vitest';
import { Auth0Provider, auth0Endpoints, type Auth0ProviderOptions } from '../src/index.js';
import { startFakeAuth0 } from './fake-auth0.js';

const BASE = { clientId: 'client', clientSecret: 'a-client-secret-of-at-least-32-bytes!!', baseUrl: 'https://mcp.example.com' };

describe('auth0Endpoints', () => {
  it('derives the issuer (with its trailing slash), discovery and revocation URLs from the domain', () => {
    expect(auth0Endpoints('example.us.auth0.com')).toEqual({
      issuer: 'https://example.us.auth0.com/',
      configUrl: 'https://example.us.auth0.com/.well-known/openid-configuration',
      revocationEndpoint: 'https://example.us.auth0.com/oauth/revoke',
    });
    expect(auth0Endpoints('https://login.example.com/').issuer).toBe('https://login.example.com/');
    expect(auth0Endpoints('http://127.0.0.1:8080').configUrl).toBe('http://127.0.0.1:8080/.well-known/openid-configuration');
  });

  it('refuses what is not an https origin', () => {
    for (const bad of [
      '',
      'http://example.us.auth0.com',
      'example.us.auth0.com/api',
      'https://example.us.auth0.com?x=1',
      'https://u:p@example.com',
    ]) {
      expect(() => auth0Endpoints(bad), bad).toThrow(TypeError);
    }
  });
});

describe('Auth0Provider options', () => {
  it('requires the audience and says why (opaque /userinfo tokens)', () => {
    const missing = { ...BASE, domain: 'example.us.auth0.com' } as unknown as Auth0ProviderOptions;
    expect(() => new Auth0Provider(missing)).toThrow(TypeError);
    expect(() => new Auth0Provider(missing)).toThrow(/opaque access tokens, good only for \/userinfo/);
    expect(() => new Auth0Provider({ ...BASE, domain: 'example.us.auth0.com', audience: ' ' })).toThrow(/audience is required/);
  });

  it('refuses bad options with TypeError at construction', () => {
    const ok = { ...BASE, domain: 'example.us.auth0.com', audience: 'https://api.example.com' };
    const bad: [string, unknown][] = [
      ['no clientId', { ...ok, clientId: '' }],
      ['no clientSecret', { ...ok, clientSecret: undefined }],
      ['no domain', { ...ok, domain: undefined }],
      ['domain and configUrl', { ...ok, configUrl: 'https://example.us.auth0.com/.well-known/openid-configuration' }],
      ['a domain with a path', { ...ok, domain: 'example.us.auth0.com/x' }],
      ['an http configUrl', { ...BASE, audience: ok.audience, configUrl: 'http://example.us.auth0.com/.well-known/openid-configuration' }],
      ['HS256', { ...ok, algorithms: ['HS256'] }],
      ['permissionsAsScopes not a boolean', { ...ok, permissionsAsScopes: 'true' }],
      ['a bad proxy option', { ...ok, baseUrl: 'http://mcp.example.com' }],
    ];
    for (const [label, options] of bad) expect(() => new Auth0Provider(options as Auth0ProviderOptions), label).toThrow(TypeError);
    expect(() => new Auth0Provider(undefined as unknown as Auth0ProviderOptions)).toThrow(TypeError);
  });

  it('is an AuthProvider named after Auth0, with a full discovery URL as the alternative to the domain', async () => {
    const auth0 = await startFakeAuth0({
      clientId: 'client',
      clientSecret: BASE.clientSecret,
      callbackUrl: 'https://mcp.example.com/auth/callback',
      audience: 'https://api.example.com',
    });
    try {
      const auth = new Auth0Provider({
        ...BASE,
        configUrl: auth0.configUrl,
        audience: 'https://api.example.com',
        consent: { mode: 'off' },
      });
      expect(auth.resourceUrl).toBe('https://mcp.example.com/mcp');
      expect(auth.authorizationServers).toEqual(['https://mcp.example.com']);
      await auth.ready();
      expect((await auth.configuration()).issuer).toBe(auth0.issuer);
      expect(auth0.requestsTo('discovery')).toHaveLength(1);
    } finally {
      await auth0.close();
    }
  });
});
