/**
 * The whole proxy flow over HTTP with the MCP SDK v2 client against a fake GitHub that issues
 * codes and tokens: DCR → consent page → GitHub authorize → our callback (code exchange, GET
 * /user) → code to the client → token → tool calls; then GitHub revoking the token.
 */
import {
  ConsentingOAuthClientProvider as ConsentingBrowser,
  listen,
  upstreamAuthorizationUrl,
  signInWithOAuth,
  type Listening,
} from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { isAuthError, type AnyAuthError, type FetchHandler } from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubProvider, type GitHubProviderOptions } from '../src/index.js';
import { OCTOCAT, startFakeGitHub, type FakeGitHub } from './fake-github.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4399/callback';
const APP = { clientId: 'Ov23liFakeClientId01', clientSecret: 'fake-github-client-secret-0123456789abcdef' };

interface Stack {
  server: Listening;
  github: FakeGitHub;
  auth: GitHubProvider;
  errors: AnyAuthError[];
  mcpUrl: string;
  /** Advance both clocks (the proxy's and the verifier's). */
  advance(seconds: number): void;
}

async function startStack(overrides: Partial<GitHubProviderOptions> = {}): Promise<Stack> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server = await listen(toNodeHandler((request) => app(request)));
  const github = await startFakeGitHub({ ...APP, callbackUrl: `${server.url}/auth/callback`, user: OCTOCAT });
  let offset = 0;
  const errors: AnyAuthError[] = [];
  const auth = new GitHubProvider({
    ...APP,
    baseUrl: server.url,
    enterpriseUrl: github.url,
    onError: (e) => void (isAuthError(e) && errors.push(e)),
    now: () => Math.floor(Date.now() / 1000) + offset,
    verifier: { now: () => Math.floor(Date.now() / 1000) + offset },
    ...overrides,
  });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'github-flow', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      return {
        content: [
          {
            type: 'text',
            text: JSON.stringify({
              clientId: info?.clientId,
              subject: info?.extra?.['subject'],
              github: (info?.extra?.['claims'] as Record<string, unknown> | undefined)?.['upstream_claims'],
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
    github,
    auth,
    errors,
    mcpUrl: `${server.url}/mcp`,
    advance: (s) => {
      offset += s;
    },
  };
}

function signIn(stack: Stack, browser: ConsentingBrowser): Promise<Client> {
  return signInWithOAuth(stack.mcpUrl, browser);
}

async function whoami(client: Client) {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as {
    clientId: string;
    subject: string;
    github: Record<string, unknown>;
  };
}

describe('GitHubProvider: scope grants', () => {
  it('grants the scopes the client asked for (GitHub cannot vouch for them), unless grantScopes narrows', async () => {
    const scoped = await startStack({ validScopes: ['mcp:tools'], requiredScopes: ['mcp:tools'] });
    try {
      const browser = new ConsentingBrowser(CLIENT_CALLBACK);
      const client = await signIn(scoped, browser);
      expect(browser.saved!.scope).toBe('mcp:tools');
      expect((await whoami(client)).subject).toBe('583231');
    } finally {
      await scoped.server.close();
      await scoped.github.close();
    }
    const narrowed = await startStack({
      validScopes: ['mcp:tools'],
      requiredScopes: ['mcp:tools'],
      hooks: { grantScopes: ({ requested, upstreamClaims }) => (upstreamClaims['login'] === 'hubot' ? requested : []) },
    });
    try {
      const browser = new ConsentingBrowser(CLIENT_CALLBACK);
      await expect(signIn(narrowed, browser)).rejects.toThrow();
      expect(browser.saved?.scope).toBeUndefined();
    } finally {
      await narrowed.server.close();
      await narrowed.github.close();
    }
  });
});

describe('GitHubProvider: the whole flow with the MCP SDK v2 client', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.server.close();
    await stack.github.close();
  });

  it('signs in through GitHub and calls a tool as the GitHub user; GitHub tokens never reach the client', async () => {
    const browser = new ConsentingBrowser(CLIENT_CALLBACK);
    const client = await signIn(stack, browser);
    expect(browser.callback?.get('iss')).toBe(stack.server.url);

    const me = await whoami(client);
    expect(me.clientId).toBe(browser.client!.client_id);
    expect(me.subject).toBe('583231');
    expect(me.github).toEqual({ sub: '583231', login: 'octocat', name: 'The Octocat', avatar_url: OCTOCAT.avatar_url });

    // The browser went to GitHub's authorize endpoint with our app, read:user, PKCE S256, no resource.
    const atGitHub = browser.visited.find((u) => u.pathname === '/login/oauth/authorize')!;
    expect(atGitHub.origin).toBe(stack.github.url);
    expect(atGitHub.searchParams.get('client_id')).toBe(APP.clientId);
    expect(atGitHub.searchParams.get('redirect_uri')).toBe(`${stack.server.url}/auth/callback`);
    expect(atGitHub.searchParams.get('scope')).toBe('read:user');
    expect(atGitHub.searchParams.get('code_challenge_method')).toBe('S256');
    expect(atGitHub.searchParams.has('resource')).toBe(false);

    // The code exchange: client_secret_post with the PKCE verifier, JSON asked for.
    const exchange = stack.github.requests.find((r) => r.path === '/login/oauth/access_token')!;
    const form = new URLSearchParams(exchange.body);
    expect(form.get('client_id')).toBe(APP.clientId);
    expect(form.get('client_secret')).toBe(APP.clientSecret);
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(exchange.headers.accept).toContain('application/json');

    const githubToken = stack.github.issuedTokens[0]!;
    expect(browser.saved!.access_token).not.toContain(githubToken);
    expect(browser.saved!.access_token.startsWith('gho_')).toBe(false);
    expect(await stack.auth.upstreamAccessToken(browser.saved!.access_token)).toBe(githubToken);
    await client.close();
  });

  it('checks the GitHub token once per cache period, not on every request', async () => {
    const browser = new ConsentingBrowser(CLIENT_CALLBACK);
    const client = await signIn(stack, browser);
    const calls = stack.github.userCalls();
    for (let i = 0; i < 5; i++) expect((await whoami(client)).subject).toBe('583231');
    expect(stack.github.userCalls()).toBe(calls);
    await client.close();
  });

  it('revoking our token at /revoke deletes the GitHub token through the GitHub API', async () => {
    const browser = new ConsentingBrowser(CLIENT_CALLBACK);
    const client = await signIn(stack, browser);
    const githubToken = stack.github.issuedTokens.at(-1)!;
    expect((await whoami(client)).subject).toBe('583231');
    const revoke = await fetch(new URL('/revoke', stack.mcpUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: browser.saved!.refresh_token!, client_id: browser.client!.client_id }),
    });
    expect(revoke.status).toBe(200);
    const deletes = stack.github.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual([`/api/v3/applications/${APP.clientId}/token`]); // GHES API prefix in this stack
    expect(deletes.map((r) => JSON.parse(r.body).access_token)).toContain(githubToken);
    expect(deletes.map((r) => r.body).join()).not.toContain(browser.saved!.access_token);
    // GitHub no longer knows the token: /user answers 401.
    expect((await fetch(`${stack.github.url}/user`, { headers: { Authorization: `Bearer ${githubToken}` } })).status).toBe(401);
    await client.close();
  });

  it('a GitHub rate limit at the next check keeps the session on its last good check (outage grace)', async () => {
    const browser = new ConsentingBrowser(CLIENT_CALLBACK);
    const client = await signIn(stack, browser);
    const githubToken = stack.github.issuedTokens.at(-1)!;
    expect((await whoami(client)).subject).toBe('583231');
    stack.github.setToken(githubToken, { kind: 'rate_limited' });
    stack.advance(301); // past the verifier's 300 s cache horizon: the re-check hits the rate limit
    const calls = stack.github.userCalls();
    expect((await whoami(client)).subject).toBe('583231');
    expect(stack.github.userCalls()).toBe(calls + 1);
    expect(stack.errors.some((e) => e.code === 'ERR_UPSTREAM' && e.status === 403)).toBe(true);
    await client.close();
  });

  it('a token GitHub no longer accepts (401) ends the session at the next check', async () => {
    const browser = new ConsentingBrowser(CLIENT_CALLBACK);
    const client = await signIn(stack, browser);
    const githubToken = stack.github.issuedTokens.at(-1)!;
    expect((await whoami(client)).subject).toBe('583231');
    stack.github.revoke(githubToken);
    stack.advance(301); // past the verifier's 300 s cache horizon
    const res = await fetch(stack.mcpUrl, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${browser.saved!.access_token}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(stack.errors.some((e) => e.code === 'ERR_TOKEN_INVALID' && e.reason === 'inactive' && /HTTP 401/.test(e.message))).toBe(true);
    await client.close();
  });
});

describe('GitHubProvider: upstream failures and configuration', () => {
  it('GitHub refusing our client secret (an error with HTTP 200) gives the client server_error, reported', async () => {
    const stack = await startStack({ clientSecret: 'wrong-secret-0123456789abcdef0123456789' });
    try {
      const browser = new ConsentingBrowser(CLIENT_CALLBACK);
      const first = new Client({ name: 'flow', version: '1.0.0' });
      await expect(
        first.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: browser })),
      ).rejects.toBeInstanceOf(UnauthorizedError);
      expect(browser.callback?.get('error')).toBe('server_error');
      expect(browser.callback?.has('code')).toBe(false);
      expect(stack.errors).toContainEqual(
        expect.objectContaining({ code: 'ERR_UPSTREAM', reason: 'oauth_error', error: 'incorrect_client_credentials' }),
      );
    } finally {
      await stack.server.close();
      await stack.github.close();
    }
  });

  it('defaults to github.com; asks GitHub for the GitHub scopes only; proxy options pass through', async () => {
    const auth = new GitHubProvider({
      ...APP,
      baseUrl: 'https://mcp.example.com',
      upstreamScopes: ['read:user', 'repo'],
      validScopes: ['mcp:tools'],
      consent: { mode: 'off' },
    });
    expect(auth.resourceUrl).toBe('https://mcp.example.com/mcp');
    expect(auth.authorizationServers).toEqual(['https://mcp.example.com']);
    await auth.ready(); // the proxy's keys, derived once
    const upstream = await upstreamAuthorizationUrl(auth, {
      baseUrl: 'https://mcp.example.com',
      redirectUri: CLIENT_CALLBACK,
      scope: 'mcp:tools',
    });
    expect(`${upstream.origin}${upstream.pathname}`).toBe('https://github.com/login/oauth/authorize');
    expect(upstream.searchParams.get('scope')).toBe('read:user repo'); // the GitHub scopes, not the client's
    expect(upstream.searchParams.get('client_id')).toBe(APP.clientId);
    expect(upstream.searchParams.get('redirect_uri')).toBe('https://mcp.example.com/auth/callback');
    expect(upstream.searchParams.has('resource')).toBe(false);
  });

  it('refuses missing credentials at construction', () => {
    expect(() => new GitHubProvider({ clientId: '', clientSecret: 'x', baseUrl: 'https://mcp.example.com' })).toThrow(TypeError);
    expect(() => new GitHubProvider({ clientId: 'x', clientSecret: '', baseUrl: 'https://mcp.example.com' })).toThrow(TypeError);
  });
});
