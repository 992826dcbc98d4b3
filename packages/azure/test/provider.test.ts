/**
 * AzureProvider's construction: Entra's endpoints per tenant and cloud, the authorization URL it
 * sends browsers to (scope rules, no resource), and options refused with TypeError.
 */
import { describe, expect, it } from 'vitest';
import { AzureProvider, type AzureProviderOptions } from '../src/index.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4399/callback';
const APP = {
  clientId: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
  clientSecret: 'fake-entra-secret-0123456789abcdef0123456789',
  jwtSigningKey: 'test-signing-key-0123456789abcdef0123456789',
};

/** The upstream authorization URL for one authorize request (consent off). */
async function expectUpstreamAuthorizeUrl(auth: AzureProvider, scope: string): Promise<URL> {
  await auth.ready();
  const reg = await auth.handler(
    new Request('https://mcp.example.com/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [CLIENT_CALLBACK], token_endpoint_auth_method: 'none' }),
    }),
  );
  const { client_id } = (await reg.json()) as { client_id: string };
  const url = new URL('https://mcp.example.com/authorize');
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id,
    redirect_uri: CLIENT_CALLBACK,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    scope,
    resource: 'https://mcp.example.com/mcp',
  })) {
    url.searchParams.set(k, v);
  }
  const res = await auth.handler(new Request(url));
  expect(res.status).toBe(302);
  const consent = await auth.handler(new Request(new URL(res.headers.get('location')!)));
  expect(consent.status).toBe(302);
  return new URL(consent.headers.get('location')!);
}

describe('AzureProvider: endpoints and the authorization request', () => {
  it('defaults to login.microsoftonline.com and api://{clientId}; sends no resource', async () => {
    const auth = new AzureProvider({
      ...APP,
      tenantId: 'organizations',
      baseUrl: 'https://mcp.example.com',
      requiredScopes: ['mcp.access'],
      consent: { mode: 'off' },
    });
    expect(auth.endpoints.tokenEndpoint).toBe('https://login.microsoftonline.com/organizations/oauth2/v2.0/token');
    expect(auth.authorizationServers).toEqual(['https://mcp.example.com']);
    const upstream = await expectUpstreamAuthorizeUrl(auth, 'mcp.access');
    expect(`${upstream.origin}${upstream.pathname}`).toBe('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize');
    expect(upstream.searchParams.get('scope')!.split(' ').sort()).toEqual(
      ['email', 'offline_access', 'openid', 'profile', `api://${APP.clientId}/mcp.access`].sort(),
    );
    expect(upstream.searchParams.has('resource')).toBe(false);
    expect(upstream.searchParams.get('client_id')).toBe(APP.clientId);
    expect(upstream.searchParams.get('redirect_uri')).toBe('https://mcp.example.com/auth/callback');
  });

  it('a custom identifier URI and a sovereign cloud; URI scopes pass unchanged', async () => {
    const auth = new AzureProvider({
      ...APP,
      tenantId: 'contoso.onmicrosoft.com',
      authority: 'login.microsoftonline.us',
      identifierUri: 'https://api.contoso.com/notes/',
      baseUrl: 'https://mcp.example.com',
      requiredScopes: ['notes.read'],
      upstreamScopes: ['https://graph.microsoft.com/User.Read'],
      consent: { mode: 'off' },
    });
    const upstream = await expectUpstreamAuthorizeUrl(auth, 'notes.read https://api.contoso.com/notes/notes.write');
    expect(`${upstream.origin}${upstream.pathname}`).toBe('https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/authorize');
    expect(new Set(upstream.searchParams.get('scope')!.split(' '))).toEqual(
      new Set([
        'openid',
        'profile',
        'email',
        'offline_access',
        'https://api.contoso.com/notes/notes.read',
        'https://api.contoso.com/notes/notes.write',
        'https://graph.microsoft.com/User.Read',
      ]),
    );
  });

  it('refuses bad options with TypeError', () => {
    const base: AzureProviderOptions = { ...APP, tenantId: 'common', baseUrl: 'https://mcp.example.com', requiredScopes: ['mcp.access'] };
    for (const bad of [
      { ...base, clientId: '' },
      { ...base, clientSecret: '' },
      { ...base, tenantId: 'not a tenant' },
      { ...base, authority: 'http://login.example.com' },
      { ...base, requiredScopes: [] }, // no scope of the API: Entra would issue a Graph token
      { ...base, requiredScopes: ['openid', 'https://graph.microsoft.com/User.Read'] },
      { ...base, requiredScopes: ['admin'], appRoleScopes: { Admin: ['admin'] } }, // role-only scopes are never requested
      { ...base, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', allowedTenants: ['f8cdef31-a31e-4b4a-93e4-5f571e91255a'] },
      { ...base, identifierUri: 'api with spaces' },
    ]) {
      expect(() => new AzureProvider(bad), JSON.stringify({ ...bad, clientSecret: undefined })).toThrow(TypeError);
    }
    expect(() => new AzureProvider({ ...base, requiredScopes: [], upstreamScopes: ['mcp.access'] })).not.toThrow();
  });
});
