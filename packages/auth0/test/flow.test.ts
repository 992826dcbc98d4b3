/**
 * The whole proxy flow over HTTP with the MCP SDK v2 client against a fake Auth0 tenant: OpenID
 * discovery → DCR → consent page → Auth0 authorize (with audience) → our callback (code exchange
 * with audience, the Auth0 JWT verified) → code to the client → token → tool calls; RBAC
 * permissions as scopes; revocation of the Auth0 refresh token; and the OIDC proxy failure cases (token endpoint, discovery, revocation).
 */
import {
  ConsentingOAuthClientProvider,
  oidcProxyFailureCases,
  signInWithOAuth as signIn,
  startMcpStack,
  startSignIn,
  whoami,
  type McpStack,
  type OidcProxyFixture,
} from '@mcpauth/testing';
import type { AuthProvider } from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Auth0Provider, type Auth0ProviderOptions } from '../src/index.js';
import { USER_ID, startFakeAuth0, type FakeAuth0, type FakeAuth0Tenant } from './fake-auth0.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4399/callback';
/** Our provider's routes, then /mcp behind its guard. */
const serve = (auth: AuthProvider, mcp: Parameters<typeof createMcpAuthHandler>[0]['mcp']) =>
  toNodeHandler(createMcpAuthHandler({ auth, mcp }));
const APP = { clientId: 'k3SgVb0FakeAuth0ClientId', clientSecret: 'fake-auth0-client-secret-0123456789abcdefghij' };
const API = 'https://mcp.example.com/api';

interface Auth0Stack extends McpStack<Auth0Provider> {
  auth0: FakeAuth0;
  idp: FakeAuth0;
  close(): Promise<void>;
}

async function startStack(overrides: Partial<Auth0ProviderOptions> = {}, tenant: Partial<FakeAuth0Tenant> = {}): Promise<Auth0Stack> {
  let auth0!: FakeAuth0;
  const stack = await startMcpStack(async (baseUrl, onError) => {
    auth0 = await startFakeAuth0({ ...APP, callbackUrl: `${baseUrl}/auth/callback`, audience: API, ...tenant });
    return new Auth0Provider({
      domain: auth0.url,
      ...APP,
      audience: API,
      baseUrl,
      onError,
      http: { timeoutMs: 500 },
      ...overrides,
    } as Auth0ProviderOptions);
  }, serve);
  return {
    ...stack,
    auth0,
    idp: auth0,
    close: async () => {
      await stack.server.close();
      await auth0.close();
    },
  };
}

describe('Auth0Provider: the whole flow with the MCP SDK v2 client', () => {
  let stack: Auth0Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('signs in through Auth0 with the audience and calls a tool as the Auth0 user; Auth0 tokens never reach the client', async () => {
    const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
    const client = await signIn(stack.mcpUrl, browser);
    expect(browser.callback?.get('iss')).toBe(stack.server.url);

    const me = await whoami(client);
    expect(me.clientId).toBe(browser.client!.client_id);
    expect(me.subject).toBe(USER_ID);
    // every claim of the Auth0 token, the namespaced custom claim included
    expect(me.upstream).toMatchObject({ sub: USER_ID, azp: APP.clientId, iss: `${stack.auth0.url}/` });
    expect(me.upstream['https://mcp.example.com/roles']).toEqual(['editor']);

    // The browser went to Auth0's /authorize with our application, the API as audience, openid, PKCE S256.
    const authorize = browser.visited.find((u) => u.pathname === '/authorize' && u.origin === stack.auth0.url)!;
    expect(authorize.searchParams.get('client_id')).toBe(APP.clientId);
    expect(authorize.searchParams.get('audience')).toBe(API);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.server.url}/auth/callback`);
    expect(authorize.searchParams.get('scope')?.split(' ').sort()).toEqual(['email', 'offline_access', 'openid', 'profile']);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.has('resource')).toBe(false);

    // The code exchange: the audience again, with the client authenticated (Basic, the first method Auth0 lists).
    const exchange = stack.auth0.requestsTo('token').find((r) => new URLSearchParams(r.body).get('grant_type') === 'authorization_code')!;
    expect(new URLSearchParams(exchange.body).get('audience')).toBe(API);
    expect(exchange.headers.authorization).toMatch(/^Basic /);

    const auth0Token = stack.auth0.issued.accessTokens.at(-1)!;
    expect(browser.saved!.access_token).not.toBe(auth0Token);
    expect(await stack.auth.upstreamAccessToken(browser.saved!.access_token)).toBe(auth0Token);
    expect((await stack.auth.configuration()).issuer).toBe(`${stack.auth0.url}/`);
    await client.close();
  });

  it('revoking our token revokes the Auth0 refresh token at /oauth/revoke (never an access token, never ours)', async () => {
    const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
    const client = await signIn(stack.mcpUrl, browser);
    const refresh = stack.auth0.issued.refreshTokens.at(-1)!;
    const before = stack.auth0.requestsTo('revoke').length;
    const revoke = await fetch(new URL('/revoke', stack.mcpUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: browser.saved!.refresh_token!, client_id: browser.client!.client_id }),
    });
    expect(revoke.status).toBe(200);
    const sent = stack.auth0.requestsTo('revoke').slice(before);
    expect(sent.map((r) => new URLSearchParams(r.body).get('token'))).toEqual([refresh]);
    expect(new URLSearchParams(sent[0]!.body).get('client_id')).toBe(APP.clientId);
    expect(stack.auth0.revoked.has(refresh)).toBe(true);
    expect(await stack.auth.verifyToken(browser.saved!.access_token)).toBeNull();
    await client.close();
  });
});

describe('Auth0Provider: RBAC permissions as scopes', () => {
  it('grants the MCP client only the scopes the user holds as Auth0 permissions', async () => {
    const stack = await startStack(
      { permissionsAsScopes: true, validScopes: ['notes:read', 'notes:write'], defaultScopes: ['notes:read', 'notes:write'] },
      { permissions: ['notes:read'] },
    );
    try {
      const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK, { scope: 'notes:read notes:write' });
      const client = await signIn(stack.mcpUrl, browser);
      expect(browser.saved!.scope).toBe('notes:read');
      expect((await whoami(client)).scopes).toEqual(['notes:read']);
      await client.close();
    } finally {
      await stack.close();
    }
  });

  it('refuses the sign-in when the Auth0 token has no permissions claim (the API setting is off), and says why', async () => {
    const stack = await startStack({ permissionsAsScopes: true, validScopes: ['notes:read'] });
    try {
      const callback = await startSignIn(stack.mcpUrl, new ConsentingOAuthClientProvider(CLIENT_CALLBACK, { scope: 'notes:read' }));
      expect(callback?.has('code')).toBe(false);
      expect(stack.errors.some((e) => e.code === 'ERR_TOKEN_INVALID' && /Add Permissions in the Access Token/.test(e.message))).toBe(true);
    } finally {
      await stack.close();
    }
  });
});

describe('Auth0Provider: upstream failures', () => {
  it('an Auth0 token for another API is refused at the callback: no code for the client', async () => {
    // the tenant issues tokens for another API than the one asked for
    const stack = await startStack({}, { issuedAudience: 'https://other-api.example.com' });
    try {
      const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
      const callback = await startSignIn(stack.mcpUrl, browser);
      expect(callback?.has('code')).toBe(false);
      expect(callback?.get('error')).toBe('server_error');
      expect(stack.errors.some((e) => e.code === 'ERR_TOKEN_INVALID' && e.reason === 'audience')).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('Auth0 refusing the audience at /authorize (an API it does not know) reaches the client as access_denied', async () => {
    const stack = await startStack({ audience: 'https://unknown-api.example.com' });
    try {
      const callback = await startSignIn(stack.mcpUrl, new ConsentingOAuthClientProvider(CLIENT_CALLBACK));
      expect(callback?.get('error')).toBe('access_denied');
      expect(stack.errors.some((e) => e.code === 'ERR_UPSTREAM' && /Service not found/.test(e.errorDescription ?? ''))).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('Auth0 refusing the client secret at the token endpoint gives the client server_error, reported', async () => {
    const stack = await startStack({ clientSecret: 'wrong-secret-0123456789abcdef0123456789' });
    try {
      const callback = await startSignIn(stack.mcpUrl, new ConsentingOAuthClientProvider(CLIENT_CALLBACK));
      expect(callback?.get('error')).toBe('server_error');
      expect(stack.errors).toContainEqual(expect.objectContaining({ code: 'ERR_UPSTREAM', reason: 'oauth_error', error: 'access_denied' }));
    } finally {
      await stack.close();
    }
  });

  it('a discovery document naming another issuer is refused', async () => {
    const stack = await startStack();
    try {
      stack.auth0.configuration['issuer'] = 'https://evil.example.com/';
      await expect(stack.auth.ready()).rejects.toThrow(/issuer/);
    } finally {
      await stack.close();
    }
  });
});

describe('Auth0Provider: the OIDC proxy failure cases (token endpoint, discovery, revocation)', () => {
  const fixture: OidcProxyFixture = { start: () => startStack(), clientCallback: CLIENT_CALLBACK };
  for (const c of oidcProxyFailureCases) it(c.name, () => c.run(fixture));
});
