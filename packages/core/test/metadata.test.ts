import { describe, expect, it } from 'vitest';
import { createProtectedResourceMetadata } from '../src/index.js';
import { protectedResourceMetadataUrl } from '../src/kit.js';
import { sameResource, normalizeResource } from '../src/resource-server/resource-url.js';

describe('protected resource metadata (RFC 9728)', () => {
  const prm = createProtectedResourceMetadata({
    resource: 'https://api.example.com/mcp',
    authorizationServers: ['https://auth.example.com/'],
    scopesSupported: ['mcp', 'offline_access'],
    resourceName: 'Example MCP',
    resourceDocumentation: 'https://docs.example.com',
  });

  it('builds the path-suffixed well-known URL', () => {
    expect(prm.url).toBe('https://api.example.com/.well-known/oauth-protected-resource/mcp');
    expect(prm.route.path).toBe('/.well-known/oauth-protected-resource/mcp');
    expect(protectedResourceMetadataUrl('https://api.example.com/')).toBe('https://api.example.com/.well-known/oauth-protected-resource');
    expect(protectedResourceMetadataUrl('https://api.example.com/a/b/')).toBe(
      'https://api.example.com/.well-known/oauth-protected-resource/a/b',
    );
  });

  it('serves the document with CORS and without offline_access', async () => {
    const res = await prm.handler(new Request(prm.url, { headers: { Origin: 'https://app.example' } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({
      resource: 'https://api.example.com/mcp',
      authorization_servers: ['https://auth.example.com'],
      scopes_supported: ['mcp'],
      bearer_methods_supported: ['header'],
      resource_name: 'Example MCP',
      resource_documentation: 'https://docs.example.com/',
    });
  });

  it('answers preflight with 204 and other methods with 405', async () => {
    const pre = await prm.handler(new Request(prm.url, { method: 'OPTIONS' }));
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
    const post = await prm.handler(new Request(prm.url, { method: 'POST' }));
    expect(post.status).toBe(405);
  });

  it('refuses options without an authorization server or with a fragment', () => {
    expect(() => createProtectedResourceMetadata({ resource: 'https://a.example/mcp', authorizationServers: [] })).toThrow(TypeError);
    expect(() =>
      createProtectedResourceMetadata({ resource: 'https://a.example/mcp#x', authorizationServers: ['https://as.example'] }),
    ).toThrow(TypeError);
  });

  it('takes the resource and its authorization servers over https only (http only on loopback)', () => {
    expect(() =>
      createProtectedResourceMetadata({ resource: 'http://api.example.com/mcp', authorizationServers: ['https://as.example'] }),
    ).toThrow(/resource must use https/);
    expect(() =>
      createProtectedResourceMetadata({ resource: 'https://a.example/mcp', authorizationServers: ['http://as.example.com'] }),
    ).toThrow(/authorizationServers\[0\] must use https/);
    const prm = createProtectedResourceMetadata({ resource: 'http://127.0.0.1:3000/mcp', authorizationServers: ['http://localhost:9000'] });
    expect(prm.document.authorization_servers).toEqual(['http://localhost:9000']);
  });
});

describe('resource identifiers', () => {
  it('compare ignoring fragment and one trailing slash, keeping queries', () => {
    expect(sameResource('https://a.example/mcp/', 'https://a.example/mcp#f')).toBe(true);
    expect(sameResource('https://a.example/mcp?x=1', 'https://a.example/mcp')).toBe(false);
    expect(sameResource('not a url', 'not a url')).toBe(false);
    expect(normalizeResource('https://A.example:443/')).toBe('https://a.example');
  });
});
