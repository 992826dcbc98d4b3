/**
 * The whole proxy flow over HTTP with the MCP SDK v2 client against a fake WorkOS that issues
 * codes, tokens and refresh tokens: DCR → consent page → AuthKit authorize → our callback (code
 * exchange, userinfo) → code to the client → token → tool calls; then WorkOS refreshing, refusing
 * and rate-limiting.
 */
import { ConsentingOAuthClientProvider, listen, upstreamAuthorizationUrl, signInWithOAuth, type Listening } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { isAuthError, type AnyAuthError, type FetchHandler } from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOSProvider, type WorkOSProviderOptions } from '../src/index.js';
import { LEROY, startFakeWorkOS, type FakeWorkOS } from './fake-workos.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4397/callback';
const APP = {
  clientId: 'client_01JP8BD0CZ401TDF9X54NT5ZEK',
  clientSecret: '1eaaf7a47948398d89e2b07dce912b6a9c0282aa20e88c026fcb42fd6b06b73e',
};

interface Stack {
  server: Listening;
  workos: FakeWorkOS;
  auth: WorkOSProvider;
  errors: AnyAuthError[];
  mcpUrl: string;
  /** Advance every clock (the proxy's, the verifier's, the fake's). */
  advance(seconds: number): void;
}

async function startStack(overrides: Partial<WorkOSProviderOptions> = {}): Promise<Stack> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server = await listen(toNodeHandler((request) => app(request)));
  let offset = 0;
  const now = () => Math.floor(Date.now() / 1000) + offset;
  const workos = await startFakeWorkOS({ ...APP, redirectUri: `${server.url}/auth/callback` }, { now });
  const errors: AnyAuthError[] = [];
  const auth = new WorkOSProvider({
    ...APP,
    authkitDomain: workos.url,
    baseUrl: server.url,
    onError: (e) => void (isAuthError(e) && errors.push(e)),
    now,
    verifier: { now },
    ...overrides,
  } as WorkOSProviderOptions);
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'workos-flow', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      const text = JSON.stringify({
        clientId: info?.clientId,
        subject: info?.extra?.['subject'],
        workos: (info?.extra?.['claims'] as Record<string, unknown> | undefined)?.['upstream_claims'],
      });
      return { content: [{ type: 'text', text }] };
    });
    return s;
  });
  app = createMcpAuthHandler({ auth, mcp });
  return {
    server,
    workos,
    auth,
    errors,
    mcpUrl: `${server.url}/mcp`,
    advance: (s) => {
      offset += s;
    },
  };
}

async function stop(stack: Stack) {
  await stack.server.close();
  await stack.workos.close();
}

function signIn(stack: Stack, browser: ConsentingOAuthClientProvider): Promise<Client> {
  return signInWithOAuth(stack.mcpUrl, browser);
}

async function whoami(client: Client) {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as {
    clientId: string;
    subject: string;
    workos: Record<string, unknown>;
  };
}

const ping = (stack: Stack, token: string) =>
  fetch(stack.mcpUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

describe('WorkOSProvider: the whole flow with the MCP SDK v2 client', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stop(stack));

  it('signs in through AuthKit and calls a tool as the WorkOS user; WorkOS tokens never reach the client', async () => {
    const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
    const client = await signIn(stack, browser);
    expect(browser.callback?.get('iss')).toBe(stack.server.url);

    const me = await whoami(client);
    expect(me.clientId).toBe(browser.client!.client_id);
    expect(me.subject).toBe(LEROY.sub);
    expect(me.workos).toEqual({ sub: LEROY.sub }); // openid only: no personal data asked for

    // The browser went to AuthKit's authorize endpoint with our app, the default scopes, PKCE S256, no resource.
    const atWorkOS = browser.visited.find((u) => u.pathname === '/oauth2/authorize')!;
    expect(atWorkOS.origin).toBe(stack.workos.url);
    expect(atWorkOS.searchParams.get('client_id')).toBe(APP.clientId);
    expect(atWorkOS.searchParams.get('redirect_uri')).toBe(`${stack.server.url}/auth/callback`);
    expect(atWorkOS.searchParams.get('scope')).toBe('openid offline_access');
    expect(atWorkOS.searchParams.get('code_challenge_method')).toBe('S256');
    expect(atWorkOS.searchParams.has('resource')).toBe(false);

    // The code exchange: client_secret_post with the PKCE verifier.
    const exchange = stack.workos.requests.find((r) => r.path === '/oauth2/token')!;
    const form = new URLSearchParams(exchange.body);
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('client_id')).toBe(APP.clientId);
    expect(form.get('client_secret')).toBe(APP.clientSecret);
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(exchange.headers.authorization).toBeUndefined();

    // The WorkOS token was checked at userinfo, and stays on the server.
    const workosToken = stack.workos.issuedTokens[0]!;
    expect(stack.workos.requests.some((r) => r.path === '/oauth2/userinfo' && r.headers.authorization === `Bearer ${workosToken}`)).toBe(
      true,
    );
    expect(browser.saved!.access_token).not.toBe(workosToken);
    expect(JSON.stringify(browser.saved)).not.toContain(workosToken);
    expect(await stack.auth.upstreamAccessToken(browser.saved!.access_token)).toBe(workosToken);
    await client.close();
  });

  it('checks the WorkOS token once per upstream token lifetime, not on every request', async () => {
    const client = await signIn(stack, new ConsentingOAuthClientProvider(CLIENT_CALLBACK));
    const calls = stack.workos.hits('/oauth2/userinfo');
    for (let i = 0; i < 5; i++) expect((await whoami(client)).subject).toBe(LEROY.sub);
    expect(stack.workos.hits('/oauth2/userinfo')).toBe(calls);
    await client.close();
  });

  it('when the WorkOS access token expires (minutes), the proxy refreshes it upstream (offline_access) and the session goes on', async () => {
    const client = await signIn(stack, new ConsentingOAuthClientProvider(CLIENT_CALLBACK));
    const issued = stack.workos.issuedTokens.length;
    stack.advance(301); // past expires_in (300)
    expect((await whoami(client)).subject).toBe(LEROY.sub);
    expect(stack.workos.issuedTokens.length).toBe(issued + 1);
    const refresh = stack.workos.requests.filter((r) => r.path === '/oauth2/token').at(-1)!;
    expect(new URLSearchParams(refresh.body).get('grant_type')).toBe('refresh_token');
    expect(new URLSearchParams(refresh.body).get('client_secret')).toBe(APP.clientSecret);
    await client.close();
  });

  it('a userinfo rate limit at the next check keeps the session on its last good check (outage grace)', async () => {
    const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
    const client = await signIn(stack, browser);
    expect((await whoami(client)).subject).toBe(LEROY.sub);
    stack.workos.issueAs({ kind: 'rate_limited' }); // the refreshed token's check hits the rate limit
    try {
      const calls = stack.workos.hits('/oauth2/userinfo');
      stack.advance(301); // past expires_in: refresh, then userinfo for the new token
      expect((await whoami(client)).subject).toBe(LEROY.sub);
      expect(stack.workos.hits('/oauth2/userinfo')).toBe(calls + 1);
      expect(stack.errors.some((e) => e.code === 'ERR_UPSTREAM' && e.status === 429)).toBe(true);
    } finally {
      stack.workos.issueAs(undefined);
    }
    await client.close();
  });

  it('revoking at /revoke ends the session here; WorkOS has no RFC 7009 endpoint, so nothing is sent there', async () => {
    const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
    const client = await signIn(stack, browser);
    expect((await whoami(client)).subject).toBe(LEROY.sub);
    const before = stack.workos.requests.length;
    const revoke = await fetch(`${stack.server.url}/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: browser.saved!.refresh_token!, client_id: browser.client!.client_id }),
    });
    expect(revoke.status).toBe(200);
    expect((await ping(stack, browser.saved!.access_token)).status).toBe(401);
    expect(stack.workos.requests.slice(before).map((r) => r.path)).toEqual([]);
    await client.close();
  });

  it('a WorkOS grant that is gone (token refused, refresh refused) ends the session at the next check: 401', async () => {
    const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
    const client = await signIn(stack, browser);
    expect((await whoami(client)).subject).toBe(LEROY.sub);
    stack.workos.revoke(stack.workos.issuedTokens.at(-1)!);
    stack.workos.revokeRefreshTokens();
    stack.advance(301);
    const res = await ping(stack, browser.saved!.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await client.close();
  });
});

describe('WorkOSProvider: scopes, identity claims, failures and options', () => {
  it('identityClaims: asks for profile and email, and the user claims reach upstream_claims', async () => {
    const stack = await startStack({ identityClaims: true });
    try {
      const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
      const client = await signIn(stack, browser);
      expect(browser.visited.find((u) => u.pathname === '/oauth2/authorize')!.searchParams.get('scope')).toBe(
        'openid profile email offline_access',
      );
      expect((await whoami(client)).workos).toEqual({ ...LEROY });
      await client.close();
    } finally {
      await stop(stack);
    }
  });

  it("grants the client's scopes on approval (WorkOS cannot vouch for them), unless grantScopes narrows", async () => {
    const scoped = await startStack({ validScopes: ['mcp:tools'], requiredScopes: ['mcp:tools'] });
    try {
      const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
      const client = await signIn(scoped, browser);
      expect(browser.saved!.scope).toBe('mcp:tools');
      const atWorkOS = browser.visited.find((u) => u.pathname === '/oauth2/authorize')!;
      expect(atWorkOS.searchParams.get('scope')).toBe('openid offline_access'); // never the client's scopes
      await client.close();
    } finally {
      await stop(scoped);
    }
    const narrowed = await startStack({
      validScopes: ['mcp:tools'],
      requiredScopes: ['mcp:tools'],
      hooks: { grantScopes: ({ requested, upstreamClaims }) => (upstreamClaims['sub'] === 'user_someone_else' ? requested : []) },
    });
    try {
      const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
      await expect(signIn(narrowed, browser)).rejects.toThrow();
      expect(browser.saved?.scope).toBeUndefined();
    } finally {
      await stop(narrowed);
    }
  });

  it.each([
    [
      'WorkOS refusing our client secret (401 invalid_client)',
      { clientSecret: 'wrong-secret-0123456789abcdef0123456789' },
      undefined,
      'invalid_client',
    ],
    ['a token endpoint answering 500', {}, [500, '{"message":"Internal Server Error"}'], undefined],
    ['a token endpoint answering 429', {}, [429, '{"message":"Too many requests"}'], undefined],
    ['a token endpoint answering malformed JSON', {}, [200, '{"access_token": '], undefined],
  ] as const)('%s gives the client server_error, reported', async (_name, overrides, failure, oauthError) => {
    const stack = await startStack(overrides);
    try {
      if (failure) stack.workos.failNextToken(failure[0], failure[1]);
      const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
      const first = new Client({ name: 'flow', version: '1.0.0' });
      await expect(
        first.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: browser })),
      ).rejects.toBeInstanceOf(UnauthorizedError);
      expect(browser.callback?.get('error')).toBe('server_error');
      expect(browser.callback?.has('code')).toBe(false);
      expect(stack.errors).toContainEqual(
        expect.objectContaining({ code: 'ERR_UPSTREAM', ...(oauthError ? { reason: 'oauth_error', error: oauthError } : {}) }),
      );
    } finally {
      await stop(stack);
    }
  });

  it('userinfo failing at sign-in (5xx) gives the client server_error, not a session', async () => {
    const stack = await startStack();
    try {
      const browser = new ConsentingOAuthClientProvider(CLIENT_CALLBACK);
      stack.workos.issueAs({ kind: 'server_error' }); // the token WorkOS issues cannot be checked
      const first = new Client({ name: 'flow', version: '1.0.0' });
      await expect(
        first.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: browser })),
      ).rejects.toBeInstanceOf(UnauthorizedError);
      expect(browser.callback?.has('code')).toBe(false);
      expect(browser.callback?.get('error')).toBe('server_error');
      expect(stack.errors).toContainEqual(expect.objectContaining({ code: 'ERR_UPSTREAM', status: 503 }));
    } finally {
      await stop(stack);
    }
  });

  it('the upstream authorization URL: AuthKit domain without a scheme gets https://, upstreamScopes exactly, proxy options pass through', async () => {
    const auth = new WorkOSProvider({
      ...APP,
      authkitDomain: 'example-app.authkit.app',
      baseUrl: 'https://mcp.example.com',
      upstreamScopes: ['openid', 'email'],
      jwtSigningKey: 'a-test-signing-key-of-at-least-32-bytes!',
      consent: { mode: 'off' },
      allowedClientRedirectUris: [CLIENT_CALLBACK],
    });
    await auth.ready();
    const upstream = await upstreamAuthorizationUrl(auth, {
      baseUrl: 'https://mcp.example.com',
      redirectUri: CLIENT_CALLBACK,
      scope: 'mcp:tools',
    });
    expect(`${upstream.origin}${upstream.pathname}`).toBe('https://example-app.authkit.app/oauth2/authorize');
    expect(upstream.searchParams.get('scope')).toBe('openid email');
    expect(upstream.searchParams.get('client_id')).toBe(APP.clientId);
    expect(upstream.searchParams.get('redirect_uri')).toBe('https://mcp.example.com/auth/callback');
    expect(auth.authorizationServers).toEqual(['https://mcp.example.com']);
  });

  it('refuses bad options at construction', () => {
    const ok = { ...APP, authkitDomain: 'example-app.authkit.app', baseUrl: 'https://mcp.example.com' };
    expect(() => new WorkOSProvider(undefined as never)).toThrow(TypeError);
    expect(() => new WorkOSProvider({ ...ok, clientId: '' })).toThrow(/clientId is required/);
    expect(() => new WorkOSProvider({ ...ok, clientSecret: '' })).toThrow(/clientSecret is required/);
    expect(() => new WorkOSProvider({ ...ok, authkitDomain: 'http://example-app.authkit.app' })).toThrow(/must use https/);
    expect(() => new WorkOSProvider({ ...ok, authkitDomain: 'https://example-app.authkit.app/oauth2' })).toThrow(TypeError);
    expect(() => new WorkOSProvider({ ...ok, upstreamScopes: ['openid'], identityClaims: true } as never)).toThrow(/not both/);
    expect(() => new WorkOSProvider({ ...ok, verifier: { cache: { ttlSeconds: 0 } } })).toThrow(TypeError);
  });
});
