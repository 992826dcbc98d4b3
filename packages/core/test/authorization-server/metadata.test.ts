import { describe, expect, it } from 'vitest';
import { StoreOAuthProvider, type OAuthAuthorizationServerProvider, createAuthorizationServer } from '../../src/index.js';
import { JWT_BEARER_GRANT_TYPE } from '../../src/protocols/provider.js';
import { authorizationServerMetadataUrl, normalizeIssuer } from '../../src/authorization-server/metadata.js';
import { direct } from './fixtures.js';

describe('authorization server metadata (RFC 8414)', () => {
  it('publishes the endpoints and capabilities, without offline_access', async () => {
    const d = direct({ server: { scopesSupported: ['mcp:tools', 'offline_access'] } });
    const res = await d.fetch('/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toEqual({
      issuer: 'http://127.0.0.1:9999',
      authorization_endpoint: 'http://127.0.0.1:9999/authorize',
      token_endpoint: 'http://127.0.0.1:9999/token',
      registration_endpoint: 'http://127.0.0.1:9999/register',
      revocation_endpoint: 'http://127.0.0.1:9999/revoke',
      scopes_supported: ['mcp:tools'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
      code_challenge_methods_supported: ['S256'],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
    expect(doc).toEqual(d.as.metadata);
  });

  it('is path-aware for an issuer with a path, and serves endpoints under that path', async () => {
    const d = direct({ issuer: 'https://auth.example.com/tenant-a/' });
    expect(d.as.issuer).toBe('https://auth.example.com/tenant-a');
    expect(d.as.metadataUrl).toBe('https://auth.example.com/.well-known/oauth-authorization-server/tenant-a');
    expect(d.as.routes.map((r) => r.path).sort()).toEqual([
      '/.well-known/oauth-authorization-server/tenant-a',
      '/tenant-a/authorize',
      '/tenant-a/register',
      '/tenant-a/revoke',
      '/tenant-a/token',
    ]);
    expect(d.as.metadata.token_endpoint).toBe('https://auth.example.com/tenant-a/token');
    expect((await d.fetch('/.well-known/oauth-authorization-server/tenant-a')).status).toBe(200);
    expect((await d.fetch('/.well-known/oauth-authorization-server')).status).toBe(404);
  });

  it('advertises the jwt-bearer grant only when the provider implements exchangeIdentityAssertion', () => {
    class WithAssertions extends StoreOAuthProvider {
      override async exchangeIdentityAssertion(): Promise<never> {
        throw new Error('not called');
      }
    }
    const provider: OAuthAuthorizationServerProvider = new WithAssertions({ issuerUrl: 'https://a.example.com' });
    const as = createAuthorizationServer({ provider, issuerUrl: 'https://a.example.com' });
    expect(as.metadata.grant_types_supported).toContain(JWT_BEARER_GRANT_TYPE);
    expect(direct().as.metadata.grant_types_supported).not.toContain(JWT_BEARER_GRANT_TYPE);
  });

  it('leaves out registration and CIMD when disabled', () => {
    const d = direct({ server: { clientRegistration: false, cimd: false } });
    expect(d.as.metadata.registration_endpoint).toBeUndefined();
    expect(d.as.metadata.client_id_metadata_document_supported).toBe(false);
    expect(d.as.routes.some((r) => r.path === '/register')).toBe(false);
  });

  it('answers HEAD and preflight, and 405 for other methods', async () => {
    const d = direct();
    const head = await d.fetch('/.well-known/oauth-authorization-server', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const preflight = await d.fetch('/.well-known/oauth-authorization-server', { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    const post = await d.fetch('/.well-known/oauth-authorization-server', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('refuses issuers that are not https (except loopback http) or carry a query', () => {
    expect(normalizeIssuer('http://localhost:3000/')).toBe('http://localhost:3000');
    expect(() => normalizeIssuer('http://auth.example.com')).toThrow(TypeError);
    expect(() => normalizeIssuer('https://auth.example.com?x=1')).toThrow(TypeError);
    expect(() => normalizeIssuer('not a url')).toThrow(TypeError);
    expect(authorizationServerMetadataUrl('https://a.example.com/')).toBe('https://a.example.com/.well-known/oauth-authorization-server');
  });

  it('refuses a missing provider and a bad resourceUrl at construction', () => {
    expect(() => createAuthorizationServer({ issuerUrl: 'https://a.example.com' } as never)).toThrow(TypeError);
    const provider = new StoreOAuthProvider({ issuerUrl: 'https://a.example.com' });
    expect(() => createAuthorizationServer({ provider, issuerUrl: 'https://a.example.com', resourceUrl: 'mcp' })).toThrow(TypeError);
    expect(() =>
      createAuthorizationServer({ provider, issuerUrl: 'https://a.example.com', resourceUrl: 'http://api.example.com/mcp' }),
    ).toThrow(/resourceUrl must use https/);
    expect(() => createAuthorizationServer({ provider, issuerUrl: 'http://a.example.com' })).toThrow(/issuerUrl must use https/);
    expect(() =>
      createAuthorizationServer({ provider, issuerUrl: 'http://127.0.0.1:3000', resourceUrl: 'http://127.0.0.1:3000/mcp' }),
    ).not.toThrow();
    expect(() => createAuthorizationServer({ provider, issuerUrl: 'https://a.example.com', maxBodyBytes: 0 })).toThrow(TypeError);
  });
});
