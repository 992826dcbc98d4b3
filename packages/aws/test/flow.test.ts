/**
 * The whole proxy flow over HTTP with the MCP SDK v2 client against a fake Cognito user pool:
 * OpenID discovery (region from the pool id) → DCR → consent page → Cognito authorize → our
 * callback (code exchange, the Cognito access token verified by client_id and token_use) → code
 * to the client → token → tool calls; groups as scopes; revocation of the Cognito refresh token at
 * /oauth2/revoke; the OIDC proxy failure cases (token endpoint, discovery, revocation).
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
import { AWSCognitoProvider, type AWSCognitoProviderOptions } from '../src/index.js';
import { USERNAME, USER_SUB, startFakeCognito, type FakeCognito, type FakeCognitoPool } from './fake-cognito.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4399/callback';
/** Our provider's routes, then /mcp behind its guard. */
const serve = (auth: AuthProvider, mcp: Parameters<typeof createMcpAuthHandler>[0]['mcp']) =>
  toNodeHandler(createMcpAuthHandler({ auth, mcp }));
const POOL = {
  userPoolId: 'eu-west-2_FakePool01',
  clientId: '1example23456789fakeclient',
  clientSecret: 'fake-cognito-client-secret-0123456789abcdefghij',
};

interface CognitoStack extends McpStack<AWSCognitoProvider> {
  cognito: FakeCognito;
  idp: FakeCognito;
  close(): Promise<void>;
}

async function startStack(overrides: Partial<AWSCognitoProviderOptions> = {}, pool: Partial<FakeCognitoPool> = {}): Promise<CognitoStack> {
  let cognito!: FakeCognito;
  const stack = await startMcpStack(async (baseUrl, onError) => {
    cognito = await startFakeCognito({ ...POOL, callbackUrl: `${baseUrl}/auth/callback`, groups: ['editors'], ...pool });
    return new AWSCognitoProvider({
      ...POOL,
      serviceUrl: cognito.url,
      baseUrl,
      onError,
      http: { timeoutMs: 500 },
      ...overrides,
    } as AWSCognitoProviderOptions);
  }, serve);
  return {
    ...stack,
    cognito,
    idp: cognito,
    close: async () => {
      await stack.server.close();
      await cognito.close();
    },
  };
}

describe('AWSCognitoProvider: the whole flow with the MCP SDK v2 client', () => {
  let stack: CognitoStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('signs in through Cognito and calls a tool as the Cognito user; Cognito tokens never reach the client', async () => {
    const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
    const client = await signIn(stack.mcpUrl, browser);
    expect(browser.callback?.get('iss')).toBe(stack.server.url);

    const me = await whoami(client);
    expect(me.clientId).toBe(browser.client!.client_id);
    expect(me.subject).toBe(USER_SUB);
    expect(me.upstream).toMatchObject({
      sub: USER_SUB,
      username: USERNAME,
      'cognito:groups': ['editors'],
      token_use: 'access',
      client_id: POOL.clientId,
    });

    // discovery at {serviceUrl}/{userPoolId}/.well-known/openid-configuration
    expect(stack.cognito.requestsTo('discovery')[0]!.path).toBe(`/${POOL.userPoolId}/.well-known/openid-configuration`);
    const authorize = browser.visited.find((u) => u.pathname === '/oauth2/authorize')!;
    expect(authorize.searchParams.get('client_id')).toBe(POOL.clientId);
    expect(authorize.searchParams.get('scope')).toBe('openid');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.server.url}/auth/callback`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const exchange = stack.cognito.requestsTo('token').at(-1)!;
    expect(exchange.headers.authorization).toMatch(/^Basic /);

    const cognitoToken = stack.cognito.issued.accessTokens.at(-1)!;
    expect(browser.saved!.access_token).not.toBe(cognitoToken);
    expect(await stack.auth.upstreamAccessToken(browser.saved!.access_token)).toBe(cognitoToken);
    await client.close();
  });

  it('revoking our token revokes the Cognito refresh token at /oauth2/revoke with HTTP Basic (never an access token, never ours)', async () => {
    const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
    const client = await signIn(stack.mcpUrl, browser);
    const refresh = stack.cognito.issued.refreshTokens.at(-1)!;
    const before = stack.cognito.requestsTo('revoke').length;
    const revoke = await fetch(new URL('/revoke', stack.mcpUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: browser.saved!.access_token, client_id: browser.client!.client_id }),
    });
    expect(revoke.status).toBe(200);
    const sent = stack.cognito.requestsTo('revoke').slice(before);
    expect(sent.map((r) => r.path)).toEqual(['/oauth2/revoke']);
    expect(sent.map((r) => new URLSearchParams(r.body).get('token'))).toEqual([refresh]);
    expect(sent[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`${POOL.clientId}:${POOL.clientSecret}`).toString('base64')}`);
    expect(stack.cognito.revoked.has(refresh)).toBe(true);
    expect(await stack.auth.verifyToken(browser.saved!.access_token)).toBeNull();
    await client.close();
  });
});

describe('AWSCognitoProvider: groups as scopes', () => {
  it('grants the MCP client only the scopes named like the user’s Cognito groups', async () => {
    const stack = await startStack(
      { groupsAsScopes: true, validScopes: ['editors', 'admins'], defaultScopes: ['editors', 'admins'] },
      { groups: ['editors'] },
    );
    try {
      const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK, { scope: 'editors admins' });
      const client = await signIn(stack.mcpUrl, browser);
      expect(browser.saved!.scope).toBe('editors');
      expect((await whoami(client)).scopes).toEqual(['editors']);
      await client.close();
    } finally {
      await stack.close();
    }
  });

  it('a user in no group is granted none of them', async () => {
    const stack = await startStack({ groupsAsScopes: true, validScopes: ['editors'], requiredScopes: ['editors'] }, { groups: [] });
    try {
      const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK, { scope: 'editors' });
      await expect(signIn(stack.mcpUrl, browser)).rejects.toThrow();
      expect(browser.saved?.scope).toBeFalsy();
    } finally {
      await stack.close();
    }
  });
});

describe('AWSCognitoProvider: upstream failures', () => {
  it('a Cognito token for another app client is refused at the callback: no code for the client', async () => {
    const stack = await startStack({}, { issuedClientId: 'another-app-client' });
    try {
      const callback = await startSignIn(stack.mcpUrl, new ConsentingOAuthClientProvider(CLIENT_CALLBACK));
      expect(callback?.has('code')).toBe(false);
      expect(callback?.get('error')).toBe('server_error');
      expect(stack.errors.some((e) => e.code === 'ERR_TOKEN_INVALID' && e.reason === 'audience')).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('Cognito refusing a scope the app client does not allow reaches the client as invalid_scope', async () => {
    const stack = await startStack({ upstreamScopes: ['openid', 'notes/read'] });
    try {
      const callback = await startSignIn(stack.mcpUrl, new ConsentingOAuthClientProvider(CLIENT_CALLBACK));
      expect(callback?.get('error')).toBe('invalid_scope');
    } finally {
      await stack.close();
    }
  });

  it('Cognito refusing the client secret gives the client server_error, reported', async () => {
    const stack = await startStack({ clientSecret: 'wrong-secret-0123456789abcdef0123456789' });
    try {
      const callback = await startSignIn(stack.mcpUrl, new ConsentingOAuthClientProvider(CLIENT_CALLBACK));
      expect(callback?.get('error')).toBe('server_error');
      expect(stack.errors).toContainEqual(
        expect.objectContaining({ code: 'ERR_UPSTREAM', reason: 'oauth_error', error: 'invalid_client' }),
      );
    } finally {
      await stack.close();
    }
  });
});

describe('AWSCognitoProvider: the OIDC proxy failure cases (token endpoint, discovery, revocation)', () => {
  const fixture: OidcProxyFixture = { start: () => startStack(), clientCallback: CLIENT_CALLBACK };
  for (const c of oidcProxyFailureCases) it(c.name, () => c.run(fixture));
});
