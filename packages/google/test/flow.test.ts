/**
 * The whole proxy flow over HTTP with the MCP SDK v2 client against a fake Google that issues
 * codes and tokens: DCR → consent page → Google authorize (access_type=offline, prompt=consent)
 * → our callback (code exchange, tokeninfo, userinfo) → code to the client → token → tool calls;
 * then Google's one-hour tokens refreshed upstream, revocation, and Google failing.
 */
import { ScriptedOAuthClient, listen, type Listening } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { isAuthError, type AnyAuthError, type FetchHandler, type LogFields } from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleProvider, googleEndpoints, type GoogleProviderOptions } from '../src/index.js';
import { ADA, GRACE, startFakeGoogle, type FakeAccount, type FakeGoogle } from './fake-google.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4399/callback';
const APP = {
  clientId: '1008719970978-hb24n2dstb40o45d4feuo2ukqmcc6381.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-fake-google-client-secret-0123456789',
};
const EMAIL = 'https://www.googleapis.com/auth/userinfo.email';

/** A client whose headless browser approves our consent page and follows the fake Google's immediate redirect back. */
class Browser extends ScriptedOAuthClient {
  /** The `state` of the authorization request (the SDK client sends none: this browser adds one, as other clients do). */
  sentState: string | null = null;
  override redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    if (!authorizationUrl.searchParams.has('state')) authorizationUrl.searchParams.set('state', `state-${crypto.randomUUID()}`);
    this.sentState = authorizationUrl.searchParams.get('state');
    return super.redirectToAuthorization(authorizationUrl);
  }
}
const newBrowser = () => new Browser({ redirectUri: CLIENT_CALLBACK });

/** The query of the last request to Google's authorization endpoint. */
function atGoogle(stack: Stack): URLSearchParams {
  return stack.google.requests.filter((r) => r.path === '/o/oauth2/v2/auth').at(-1)!.query;
}

interface Stack {
  server: Listening;
  google: FakeGoogle;
  auth: GoogleProvider;
  errors: AnyAuthError[];
  /** The fields of every log line. */
  lines: LogFields[];
  mcpUrl: string;
  /** Advance the proxy's and the verifier's clocks (not Google's). */
  advance(seconds: number): void;
  close(): Promise<void>;
}

async function startStack(overrides: Partial<GoogleProviderOptions> = {}, account: FakeAccount = ADA): Promise<Stack> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server = await listen(toNodeHandler((request) => app(request)));
  const google = await startFakeGoogle({ ...APP, redirectUris: [`${server.url}/auth/callback`], account });
  let offset = 0;
  const errors: AnyAuthError[] = [];
  const lines: LogFields[] = [];
  const log = (_message: string, fields?: LogFields) => void (fields && lines.push(fields));
  const clock = () => Math.floor(Date.now() / 1000) + offset;
  const auth = new GoogleProvider({
    ...APP,
    baseUrl: server.url,
    endpoints: googleEndpoints(google.url),
    onError: (e) => void (isAuthError(e) && errors.push(e)),
    logger: { debug: log, info: log, warn: log, error: log },
    now: clock,
    verifier: { now: clock },
    lifetimes: { accessToken: 4 * 3600 },
    ...overrides,
  });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'google-flow', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      return {
        content: [
          {
            type: 'text',
            text: JSON.stringify({
              clientId: info?.clientId,
              subject: info?.extra?.['subject'],
              scopes: info?.scopes,
              google: (info?.extra?.['claims'] as Record<string, unknown> | undefined)?.['upstream_claims'],
            }),
          },
        ],
      };
    });
    return s;
  });
  app = createMcpAuthHandler({ auth, mcp });
  return {
    server,
    google,
    auth,
    errors,
    lines,
    mcpUrl: `${server.url}/mcp`,
    advance: (s) => {
      offset += s;
    },
    close: async () => {
      await server.close();
      await google.close();
    },
  };
}

/** The first connection: unauthorized, the browser runs the authorization; the client's callback parameters. */
async function expectAuthorizationCallback(stack: Stack, browser: Browser): Promise<URLSearchParams> {
  const first = new Client({ name: 'flow', version: '1.0.0' });
  await expect(first.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: browser }))).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  return browser.callback!;
}

async function signIn(stack: Stack, browser: Browser): Promise<Client> {
  const callback = await expectAuthorizationCallback(stack, browser);
  if (!callback.get('code')) throw new Error(`no code: ${callback}`);
  await new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: browser }).finishAuth(callback);
  const client = new Client({ name: 'flow', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: browser }));
  return client;
}

async function whoami(client: Client) {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as {
    clientId: string;
    subject: string;
    scopes: string[];
    google: Record<string, unknown>;
  };
}

/** A raw MCP request with our access token: its HTTP status. */
async function ping(stack: Stack, accessToken: string): Promise<Response> {
  return fetch(stack.mcpUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
}

describe('GoogleProvider: the whole flow with the MCP SDK v2 client', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('signs in through Google and calls a tool as the Google user; Google tokens never reach the client', async () => {
    const browser = newBrowser();
    const client = await signIn(stack, browser);
    expect(browser.callback?.get('iss')).toBe(stack.server.url);

    const me = await whoami(client);
    expect(me.clientId).toBe(browser.client!.client_id);
    expect(me.subject).toBe(ADA.sub);
    expect(me.google).toEqual({ sub: ADA.sub, email: ADA.email, email_verified: true, name: ADA.name, picture: ADA.picture });

    // Google's authorization URL: our client, openid email profile, offline access with a fresh consent, PKCE S256, no resource.
    const query = atGoogle(stack);
    expect(Object.fromEntries(query)).toMatchObject({
      response_type: 'code',
      client_id: APP.clientId,
      redirect_uri: `${stack.server.url}/auth/callback`,
      scope: 'openid email profile',
      access_type: 'offline',
      prompt: 'consent',
      code_challenge_method: 'S256',
    });
    expect(query.has('resource')).toBe(false);
    expect(query.has('hd')).toBe(false);

    // The code exchange: client_secret_post with the PKCE verifier.
    const exchange = stack.google.requests.find((r) => r.path === '/token')!;
    const form = new URLSearchParams(exchange.body);
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('client_id')).toBe(APP.clientId);
    expect(form.get('client_secret')).toBe(APP.clientSecret);
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(exchange.headers.authorization).toBeUndefined();

    const googleToken = stack.google.issuedAccessTokens[0]!;
    expect(stack.google.issuedRefreshTokens).toHaveLength(1); // offline access: Google gave a refresh token
    expect(browser.saved!.access_token).not.toContain(googleToken);
    expect(browser.saved!.access_token.startsWith('ya29.')).toBe(false);
    expect(await stack.auth.upstreamAccessToken(browser.saved!.access_token)).toBe(googleToken);
    await client.close();
  });

  it('checks the Google token once, not on every request', async () => {
    const browser = newBrowser();
    const client = await signIn(stack, browser);
    const calls = stack.google.tokenInfoCalls();
    for (let i = 0; i < 5; i++) expect((await whoami(client)).subject).toBe(ADA.sub);
    expect(stack.google.tokenInfoCalls()).toBe(calls);
    await client.close();
  });

  it('when Google’s one-hour access token expires, the proxy refreshes it with Google’s refresh token', async () => {
    const browser = newBrowser();
    const client = await signIn(stack, browser);
    const refreshToken = stack.google.issuedRefreshTokens.at(-1)!;
    const before = stack.google.issuedAccessTokens.length;
    stack.advance(3600);
    expect((await whoami(client)).subject).toBe(ADA.sub);
    const refresh = stack.google.requests.filter((r) => r.path === '/token').at(-1)!;
    expect(Object.fromEntries(new URLSearchParams(refresh.body))).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: APP.clientId,
    });
    expect(stack.google.issuedAccessTokens.length).toBe(before + 1);
    expect(await stack.auth.upstreamAccessToken(browser.saved!.access_token)).toBe(stack.google.issuedAccessTokens.at(-1));
    await client.close();
  });

  it('revoking our token at /revoke revokes the Google grant at Google', async () => {
    const browser = newBrowser();
    const client = await signIn(stack, browser);
    const googleToken = stack.google.issuedAccessTokens.at(-1)!;
    const refreshToken = stack.google.issuedRefreshTokens.at(-1)!;
    expect((await whoami(client)).subject).toBe(ADA.sub);
    const revoke = await fetch(new URL('/revoke', stack.mcpUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: browser.saved!.refresh_token!, client_id: browser.client!.client_id }),
    });
    expect(revoke.status).toBe(200);
    const revocations = stack.google.requests.filter((r) => r.path === '/revoke').map((r) => new URLSearchParams(r.body).get('token'));
    expect(revocations).toEqual([refreshToken, googleToken]);
    // Google no longer knows the access token, and the second revocation (400 invalid_token) was not an error.
    const info = await fetch(`${stack.google.url}/tokeninfo`, { method: 'POST', body: new URLSearchParams({ access_token: googleToken }) });
    expect(info.status).toBe(400);
    expect(stack.errors.filter((e) => e.code === 'ERR_UPSTREAM' && /revocation/.test(e.message))).toEqual([]);
    expect((await ping(stack, browser.saved!.access_token)).status).toBe(401);
    await client.close();
  });

  it('a Google rate limit at the next check keeps the session on its last good check (outage grace)', async () => {
    const browser = newBrowser();
    const client = await signIn(stack, browser);
    expect((await whoami(client)).subject).toBe(ADA.sub);
    stack.google.failTokenInfo('rate_limited'); // the refreshed token cannot be checked
    try {
      stack.advance(3600);
      const refreshes = stack.google.issuedAccessTokens.length;
      expect((await whoami(client)).subject).toBe(ADA.sub);
      expect(stack.google.issuedAccessTokens.length).toBe(refreshes + 1);
      expect(stack.errors.some((e) => e.code === 'ERR_UPSTREAM' && e.status === 429)).toBe(true);
    } finally {
      stack.google.failTokenInfo(undefined);
    }
    await client.close();
  });

  it('a grant the user removed at Google ends the session at the next check', async () => {
    const browser = newBrowser();
    const client = await signIn(stack, browser);
    expect((await whoami(client)).subject).toBe(ADA.sub);
    stack.google.revokeGrant(stack.google.issuedRefreshTokens.at(-1)!);
    stack.advance(3600); // Google's token has expired for the proxy: the refresh is refused (invalid_grant)
    const res = await ping(stack, browser.saved!.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(stack.errors.some((e) => e.code === 'ERR_UPSTREAM' && e.error === 'invalid_grant')).toBe(true);
    await client.close();
  });
});

describe('GoogleProvider: authorization parameters, scopes and accounts', () => {
  it('extraAuthorizeParams overrides the defaults: online access without prompt gets no refresh token, so the session ends with Google’s token', async () => {
    const stack = await startStack({ extraAuthorizeParams: { access_type: 'online', prompt: undefined, login_hint: ADA.email } });
    try {
      const browser = newBrowser();
      const client = await signIn(stack, browser);
      const query = atGoogle(stack);
      expect(query.get('access_type')).toBe('online');
      expect(query.has('prompt')).toBe(false);
      expect(query.get('login_hint')).toBe(ADA.email);
      expect(stack.google.issuedRefreshTokens).toEqual([]);
      expect((await whoami(client)).subject).toBe(ADA.sub);
      stack.advance(3600);
      expect((await ping(stack, browser.saved!.access_token)).status).toBe(401);
      await client.close();
    } finally {
      await stack.close();
    }
  });

  it('without prompt=consent Google returns a refresh token only the first time; the default asks for consent every time', async () => {
    const once = await startStack({ extraAuthorizeParams: { prompt: undefined } });
    try {
      await (await signIn(once, newBrowser())).close();
      await (await signIn(once, newBrowser())).close();
      expect(once.google.issuedRefreshTokens).toHaveLength(1);
    } finally {
      await once.close();
    }
    const always = await startStack();
    try {
      await (await signIn(always, newBrowser())).close();
      await (await signIn(always, newBrowser())).close();
      expect(always.google.issuedRefreshTokens).toHaveLength(2);
    } finally {
      await always.close();
    }
  });

  it('upstreamScopes in long form, plus a Google API scope; the client’s own scopes stay this server’s', async () => {
    const stack = await startStack({
      upstreamScopes: ['openid', EMAIL, 'https://www.googleapis.com/auth/drive.readonly'],
      validScopes: ['mcp:tools'],
      requiredScopes: ['mcp:tools'],
    });
    try {
      const browser = newBrowser();
      const client = await signIn(stack, browser);
      expect(atGoogle(stack).get('scope')).toBe(`openid ${EMAIL} https://www.googleapis.com/auth/drive.readonly`);
      expect(browser.saved!.scope).toBe('mcp:tools');
      const me = await whoami(client);
      expect(me.scopes).toEqual(['mcp:tools']);
      expect(me.google).toEqual({ sub: ADA.sub, email: ADA.email, email_verified: true });
      await client.close();
    } finally {
      await stack.close();
    }
  });

  it('hostedDomain: a Workspace account of the domain signs in (hd hint sent); a consumer account is refused', async () => {
    const workspace = await startStack({ hostedDomain: 'example.com' }, GRACE);
    try {
      const browser = newBrowser();
      const client = await signIn(workspace, browser);
      expect(atGoogle(workspace).get('hd')).toBe('example.com');
      expect((await whoami(client)).google).toMatchObject({ sub: GRACE.sub, hd: 'example.com' });
      await client.close();
    } finally {
      await workspace.close();
    }
    // the hd hint is only a hint: an account of no (or another) domain gets through Google, and the proxy refuses it
    const consumer = await startStack({ hostedDomain: ['example.com', 'example.org'] }, ADA);
    try {
      const browser = newBrowser();
      const callback = await expectAuthorizationCallback(consumer, browser);
      expect(atGoogle(consumer).get('hd')).toBe('*');
      // a policy refusal (RFC 6749 §4.1.2.1): access_denied on the client's redirect URI with its state
      expect(callback.get('error')).toBe('access_denied');
      expect(callback.get('error_description')).toBe('Google account has no Workspace domain (hd): it may not sign in to this server');
      expect(callback.get('state')).toBeTruthy();
      expect(callback.get('state')).toBe(browser.sentState);
      expect(callback.has('code')).toBe(false);
      // logged as a refusal, not reported as an error
      expect(consumer.lines).toContainEqual(
        expect.objectContaining({ event: 'request_refused', source: 'OAuthProxy', error: 'access_denied' }),
      );
      expect(consumer.errors).toEqual([]);
      // the refused grant was revoked at Google
      expect(consumer.google.requests.some((r) => r.path === '/revoke')).toBe(true);
    } finally {
      await consumer.close();
    }
  });

  it('requireVerifiedEmail refuses an account whose email Google has not verified', async () => {
    const stack = await startStack({ requireVerifiedEmail: true }, { ...ADA, email_verified: false });
    try {
      const browser = newBrowser();
      const callback = await expectAuthorizationCallback(stack, browser);
      expect(callback.get('error')).toBe('access_denied');
      expect(callback.get('error_description')).toMatch(/no verified email address: it may not sign in/);
      expect(callback.get('state')).toBeTruthy();
      expect(callback.get('state')).toBe(browser.sentState);
      expect(stack.lines).toContainEqual(expect.objectContaining({ event: 'request_refused', error: 'access_denied' }));
      expect(stack.errors).toEqual([]);
    } finally {
      await stack.close();
    }
  });
});

describe('GoogleProvider: Google failing', () => {
  it('Google refusing our client secret (401 invalid_client) gives the client server_error, reported', async () => {
    const stack = await startStack({ clientSecret: 'GOCSPX-wrong-secret-0123456789abcdef0123' });
    try {
      const callback = await expectAuthorizationCallback(stack, newBrowser());
      expect(callback.get('error')).toBe('server_error');
      expect(callback.has('code')).toBe(false);
      expect(stack.errors).toContainEqual(
        expect.objectContaining({ code: 'ERR_UPSTREAM', reason: 'oauth_error', error: 'invalid_client', status: 401 }),
      );
    } finally {
      await stack.close();
    }
  });

  it.each([
    ['rate_limited', { reason: 'http_status', status: 429 }],
    ['server_error', { reason: 'http_status', status: 503 }],
    ['malformed', { reason: 'invalid_body' }],
    ['hang', { reason: 'timeout' }],
  ] as const)('a token endpoint that answers %s gives the client server_error, reported', async (failure, expected) => {
    const stack = await startStack({ http: { timeoutMs: 300 } });
    stack.google.failTokenEndpoint(failure);
    try {
      const callback = await expectAuthorizationCallback(stack, newBrowser());
      expect(callback.get('error')).toBe('server_error');
      expect(stack.errors).toContainEqual(expect.objectContaining({ code: 'ERR_UPSTREAM', ...expected }));
    } finally {
      await stack.close();
    }
  });

  it('tokeninfo down at sign-in gives the client server_error, reported', async () => {
    const stack = await startStack();
    try {
      const browser = newBrowser();
      stack.google.failTokenInfo('server_error');
      const callback = await expectAuthorizationCallback(stack, browser);
      expect(callback.get('error')).toBe('server_error');
      expect(stack.errors).toContainEqual(expect.objectContaining({ code: 'ERR_UPSTREAM', status: 503 }));
    } finally {
      await stack.close();
    }
  });
});

describe('GoogleProvider: configuration', () => {
  it('defaults to Google’s endpoints and scopes; proxy options pass through', async () => {
    const auth = new GoogleProvider({ ...APP, baseUrl: 'https://mcp.example.com', validScopes: ['mcp:tools'], consent: { mode: 'off' } });
    expect(auth.resourceUrl).toBe('https://mcp.example.com/mcp');
    expect(auth.authorizationServers).toEqual(['https://mcp.example.com']);
    await auth.ready();
    const reg = await auth.handler(
      new Request('https://mcp.example.com/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [CLIENT_CALLBACK], token_endpoint_auth_method: 'none' }),
      }),
    );
    expect(reg.status).toBe(201);
    const { client_id } = (await reg.json()) as { client_id: string };
    const url = new URL('https://mcp.example.com/authorize');
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id,
      redirect_uri: CLIENT_CALLBACK,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      scope: 'mcp:tools',
      resource: 'https://mcp.example.com/mcp',
    })) {
      url.searchParams.set(k, v);
    }
    const res = await auth.handler(new Request(url));
    expect(res.status).toBe(302);
    const consent = await auth.handler(new Request(new URL(res.headers.get('location')!))); // consent 'off': straight on
    const upstream = new URL(consent.headers.get('location')!);
    expect(`${upstream.origin}${upstream.pathname}`).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(upstream.searchParams.get('scope')).toBe('openid email profile');
    expect(upstream.searchParams.get('access_type')).toBe('offline');
    expect(upstream.searchParams.get('prompt')).toBe('consent');
    expect(upstream.searchParams.get('redirect_uri')).toBe('https://mcp.example.com/auth/callback');
  });

  it('refuses bad options at construction', () => {
    const base = { ...APP, baseUrl: 'https://mcp.example.com' };
    expect(() => new GoogleProvider({ ...base, clientId: '' })).toThrow(/clientId is required/);
    expect(() => new GoogleProvider({ ...base, clientSecret: '' })).toThrow(/clientSecret is required/);
    for (const name of ['client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'response_type']) {
      expect(() => new GoogleProvider({ ...base, extraAuthorizeParams: { [name]: 'x' } })).toThrow(new RegExp(`may not set ${name}`));
    }
    expect(() => new GoogleProvider({ ...base, extraAuthorizeParams: { prompt: 1 as never } })).toThrow(/must be a string/);
    expect(() => new GoogleProvider({ ...base, extraAuthorizeParams: [] as never })).toThrow(/must be an object/);
    expect(() => new GoogleProvider({ ...base, hostedDomain: 'not a domain' })).toThrow(/hostedDomain/);
    expect(() => new GoogleProvider({ ...base, upstreamScopes: ['openid', 'email profile'] })).toThrow(/upstream.scopes/);
    expect(() => new GoogleProvider({ ...base, upstreamScopes: ['https://www.googleapis.com/auth/drive.readonly'] })).toThrow(
      /must include openid, email or profile/,
    );
    expect(() => new GoogleProvider({ ...base, upstreamScopes: ['profile'] })).not.toThrow();
    expect(() => new GoogleProvider({ ...base, endpoints: googleEndpoints('http://google.example.com') })).toThrow(TypeError);
    expect(
      () => new GoogleProvider({ ...base, endpoints: { ...googleEndpoints(), revocationEndpoint: 'http://revoke.example.com' } }),
    ).toThrow(/revocationEndpoint must use https/);
  });
});
