/**
 * The whole proxy flow over HTTP with the MCP SDK v2 client against the fake Entra ID: DCR →
 * consent page → Entra authorize (scopes prefixed, no resource) → our callback (code exchange with
 * this API's scopes only, the v2.0 token verified) → tool calls; the upstream refresh; app roles
 * as scopes; the multi-tenant issuer rules in the flow; on-behalf-of; Entra's errors.
 */
import { ScriptedOAuthClient, listen, signInWithOAuth, type Listening } from '@mcpauth/testing';
import type { Client } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { isAuthError, type AnyAuthError, type FetchHandler, type LogFields } from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureProvider, type AzureProviderOptions } from '../src/index.js';
import { ADELE, CONTOSO, FABRIKAM, startFakeEntra, type FakeEntra } from './fake-entra.js';

const CLIENT_CALLBACK = 'http://127.0.0.1:4399/callback';
const GRAPH_USER_READ = 'https://graph.microsoft.com/User.Read';

interface Stack {
  server: Listening;
  entra: FakeEntra;
  auth: AzureProvider;
  errors: AnyAuthError[];
  /** The fields of every log line. */
  lines: LogFields[];
  mcpUrl: string;
  advance(seconds: number): void;
  close(): Promise<void>;
}

async function startStack(overrides: Partial<AzureProviderOptions> = {}): Promise<Stack> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server = await listen(toNodeHandler((request) => app(request)));
  const entra = await startFakeEntra();
  entra.app.redirectUri = `${server.url}/auth/callback`;
  let offset = 0;
  const errors: AnyAuthError[] = [];
  const lines: LogFields[] = [];
  const log = (_message: string, fields?: LogFields) => void (fields && lines.push(fields));
  const auth = new AzureProvider({
    clientId: entra.app.clientId,
    clientSecret: entra.app.clientSecret,
    tenantId: CONTOSO,
    authority: entra.url,
    baseUrl: server.url,
    requiredScopes: ['notes.read'],
    validScopes: ['notes.read', 'notes.write', 'notes:admin'],
    upstreamScopes: ['notes.read', GRAPH_USER_READ],
    appRoleScopes: { 'Notes.Admin': ['notes:admin'] },
    http: { timeoutMs: 1000 },
    onError: (e) => void (isAuthError(e) && errors.push(e)),
    logger: { debug: log, info: log, warn: log, error: log },
    now: () => Math.floor(Date.now() / 1000) + offset,
    ...overrides,
  });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'azure-flow', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      const claims = info?.extra?.['claims'] as Record<string, unknown> | undefined;
      return { content: [{ type: 'text', text: JSON.stringify({ scopes: info?.scopes, entra: claims?.['upstream_claims'] }) }] };
    });
    return s;
  });
  app = createMcpAuthHandler({ auth, mcp });
  return {
    server,
    entra,
    auth,
    errors,
    lines,
    mcpUrl: `${server.url}/mcp`,
    advance: (s) => {
      offset += s;
    },
    close: async () => {
      await server.close();
      await entra.close();
    },
  };
}

function signIn(stack: Stack, browser: ScriptedOAuthClient): Promise<Client> {
  return signInWithOAuth(stack.mcpUrl, browser, 'flow');
}

async function whoami(client: Client) {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as { scopes: string[]; entra: Record<string, unknown> };
}

/** Authorize with exactly `scope` (the SDK picks its own), walk the browser part, redeem the code. */
async function authorizeWith(stack: Stack, scope: string): Promise<{ callback: URLSearchParams; token?: Record<string, unknown> }> {
  const browser = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK });
  const reg = await fetch(`${stack.server.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [CLIENT_CALLBACK], token_endpoint_auth_method: 'none' }),
  });
  const { client_id } = (await reg.json()) as { client_id: string };
  const verifier = 'v'.repeat(50);
  const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url');
  const url = new URL(`${stack.server.url}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id,
    redirect_uri: CLIENT_CALLBACK,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope,
    state: 'xyz',
    resource: stack.mcpUrl,
  })) {
    url.searchParams.set(k, v);
  }
  await browser.redirectToAuthorization(url);
  const callback = browser.callback!;
  const code = callback.get('code');
  if (!code) return { callback };
  const res = await fetch(`${stack.server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id,
      redirect_uri: CLIENT_CALLBACK,
      code_verifier: verifier,
      resource: stack.mcpUrl,
    }),
  });
  return { callback, token: (await res.json()) as Record<string, unknown> };
}

const scopeSet = (value: string | null | undefined) => new Set((value ?? '').split(' ').filter(Boolean));

describe('AzureProvider: the whole flow with the MCP SDK v2 client', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('signs in through Entra with prefixed scopes and calls a tool as the Entra user', async () => {
    const browser = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK });
    const client = await signIn(stack, browser);
    const me = await whoami(client);
    expect(me.scopes).toContain('notes.read');
    expect(me.entra).toEqual({
      sub: `pairwise-${ADELE.oid.slice(-12)}`,
      oid: ADELE.oid,
      tid: CONTOSO,
      name: ADELE.name,
      preferred_username: ADELE.preferred_username,
      email: ADELE.email,
      roles: ADELE.roles,
      groups: ADELE.groups,
    });

    // authorize: custom scopes prefixed, OIDC and URI scopes unchanged, offline_access, no resource, PKCE
    const authorize = stack.entra.requests.find((r) => r.path === `/${CONTOSO}/oauth2/v2.0/authorize`)!;
    expect(scopeSet(authorize.query.get('scope'))).toEqual(
      new Set([`${stack.entra.app.identifierUri}/notes.read`, GRAPH_USER_READ, 'openid', 'profile', 'email', 'offline_access']),
    );
    expect(authorize.query.has('resource')).toBe(false);
    expect(authorize.query.get('code_challenge_method')).toBe('S256');
    expect(authorize.query.get('client_id')).toBe(stack.entra.app.clientId);

    // code exchange: only this API's scopes and the OIDC scopes (Graph's would be AADSTS28000), no resource
    const exchange = stack.entra.requests.find((r) => r.form.get('grant_type') === 'authorization_code')!;
    expect(exchange.path).toBe(`/${CONTOSO}/oauth2/v2.0/token`);
    expect(scopeSet(exchange.form.get('scope'))).toEqual(
      new Set([`${stack.entra.app.identifierUri}/notes.read`, 'openid', 'profile', 'email', 'offline_access']),
    );
    expect(exchange.form.has('resource')).toBe(false);
    expect(exchange.form.get('client_secret')).toBe(stack.entra.app.clientSecret);

    // Entra's token never reaches the client
    const entraToken = stack.entra.issued.at(-1)!;
    expect(browser.saved!.access_token).not.toBe(entraToken);
    expect(await stack.auth.upstreamAccessToken(browser.saved!.access_token)).toBe(entraToken);
    await client.close();
  });

  it('refreshes upstream with this API scopes only when the Entra token has expired', async () => {
    stack.entra.setAccessTokenLifetime(60);
    const browser = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK });
    const client = await signIn(stack, browser);
    stack.entra.setAccessTokenLifetime(3599);
    const before = stack.entra.issued.length;
    stack.advance(120); // the Entra token (60 s) has expired; ours (1 h) has not
    try {
      expect((await whoami(client)).entra['oid']).toBe(ADELE.oid);
    } finally {
      stack.advance(-120);
    }
    expect(stack.entra.issued.length).toBe(before + 1);
    const refresh = stack.entra.requests.filter((r) => r.form.get('grant_type') === 'refresh_token').at(-1)!;
    expect(scopeSet(refresh.form.get('scope'))).toEqual(
      new Set([`${stack.entra.app.identifierUri}/notes.read`, 'openid', 'profile', 'email', 'offline_access']),
    );
    expect(refresh.form.has('resource')).toBe(false);
    await client.close();
  });

  it('a refresh Entra refuses (invalid_grant, AADSTS700082) ends the session', async () => {
    stack.entra.setAccessTokenLifetime(60);
    const browser = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK });
    await (await signIn(stack, browser)).close();
    stack.entra.setAccessTokenLifetime(3599);
    stack.entra.nextTokenError('invalid_grant');
    stack.advance(120);
    try {
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
    } finally {
      stack.advance(-120);
    }
    expect(stack.errors).toContainEqual(expect.objectContaining({ code: 'ERR_UPSTREAM', error: 'invalid_grant' }));
    const refused = stack.errors.find((e) => e.code === 'ERR_UPSTREAM' && e.error === 'invalid_grant');
    expect(refused?.code === 'ERR_UPSTREAM' && refused.errorDescription).toMatch(/^AADSTS700082:/);
  });

  it('grants a custom scope as Entra granted it, and an app-role scope without asking Entra for it', async () => {
    const seen = stack.entra.requests.length;
    const { callback, token } = await authorizeWith(stack, 'notes.read notes.write notes:admin');
    expect(callback.get('code')).toBeTruthy();
    expect(scopeSet(token!['scope'] as string)).toEqual(new Set(['notes.read', 'notes.write', 'notes:admin']));
    const authorize = stack.entra.requests.slice(seen).find((r) => r.path.endsWith('/oauth2/v2.0/authorize'))!;
    const sent = scopeSet(authorize.query.get('scope'));
    expect(sent.has(`${stack.entra.app.identifierUri}/notes.write`)).toBe(true);
    expect([...sent].some((s) => s.includes('notes:admin'))).toBe(false); // role-only: never sent to Entra

    stack.entra.signInAs({ ...ADELE, roles: [] });
    try {
      const plain = await authorizeWith(stack, 'notes.read notes:admin');
      expect(scopeSet(plain.token!['scope'] as string)).toEqual(new Set(['notes.read']));
    } finally {
      stack.entra.signInAs(ADELE);
    }
  });

  it('on-behalf-of: a Graph token for the user, cached per user and scope set', async () => {
    const browser = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK });
    const client = await signIn(stack, browser);
    const assertion = await stack.auth.upstreamAccessToken(browser.saved!.access_token);
    const graph = await stack.auth.onBehalfOf(browser.saved!.access_token, [GRAPH_USER_READ]);
    expect(graph?.accessToken).toBe(stack.entra.oboIssued.at(-1));
    expect(graph?.scopes).toEqual([GRAPH_USER_READ]);
    const obo = stack.entra.requests.filter((r) => r.form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(obo.at(-1)!.path).toBe(`/${CONTOSO}/oauth2/v2.0/token`);
    expect(obo.at(-1)!.form.get('requested_token_use')).toBe('on_behalf_of');
    expect(obo.at(-1)!.form.get('assertion')).toBe(assertion);
    expect(obo.at(-1)!.form.get('assertion')).not.toBe(browser.saved!.access_token); // our token never goes to Entra

    // cached: no new request for the same user and scope set; a new one for another set
    const calls = stack.entra.oboIssued.length;
    expect((await stack.auth.onBehalfOf(browser.saved!.access_token, [GRAPH_USER_READ]))?.accessToken).toBe(graph?.accessToken);
    expect(stack.entra.oboIssued.length).toBe(calls);
    await stack.auth.onBehalfOf(browser.saved!.access_token, [GRAPH_USER_READ, 'https://graph.microsoft.com/Mail.Read']);
    expect(stack.entra.oboIssued.length).toBe(calls + 1);

    expect(await stack.auth.onBehalfOf('not-a-token', [GRAPH_USER_READ])).toBeNull();
    await client.close();
  });

  it('on-behalf-of refused by Entra (consent missing, AADSTS65001) is an UpstreamError with Entra error', async () => {
    const browser = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK });
    const client = await signIn(stack, browser);
    stack.entra.nextTokenError('consent_required');
    await expect(stack.auth.onBehalfOf(browser.saved!.access_token, ['https://graph.microsoft.com/Files.Read'])).rejects.toMatchObject({
      code: 'ERR_UPSTREAM',
      error: 'invalid_grant',
      errorDescription: expect.stringMatching(/^AADSTS65001:/),
    });
    await client.close();
  });
});

describe('AzureProvider: multi-tenant sign-in', () => {
  it('organizations with allowedTenants: the allowed tenant signs in; another tenant is refused after Entra', async () => {
    const stack = await startStack({ tenantId: 'organizations', allowedTenants: [CONTOSO] });
    try {
      const browser = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK });
      const client = await signIn(stack, browser);
      expect((await whoami(client)).entra['tid']).toBe(CONTOSO);
      expect(stack.entra.requests.find((r) => r.form.get('grant_type') === 'authorization_code')!.path).toBe(
        '/organizations/oauth2/v2.0/token',
      );
      // on-behalf-of goes to the user's own tenant
      await stack.auth.onBehalfOf(browser.saved!.access_token, [GRAPH_USER_READ]);
      expect(stack.entra.requests.at(-1)!.path).toBe(`/${CONTOSO}/oauth2/v2.0/token`);
      await client.close();

      stack.entra.signInAs({ ...ADELE, tid: FABRIKAM, oid: '11111111-2222-3333-4444-555555555555' });
      const other = await authorizeWith(stack, 'notes.read');
      // a policy refusal (RFC 6749 §4.1.2.1): access_denied with the client's state, logged, not an error
      expect(other.callback.get('error')).toBe('access_denied');
      expect(other.callback.get('error_description')).toBe('Accounts of this Microsoft Entra tenant may not sign in to this server');
      expect(other.callback.get('state')).toBe('xyz');
      expect(other.callback.has('code')).toBe(false);
      expect(stack.lines).toContainEqual(expect.objectContaining({ event: 'request_refused', error: 'access_denied' }));
      expect(stack.errors).toEqual([]);
    } finally {
      await stack.close();
    }
  });
});

describe('AzureProvider: Entra errors at the code exchange', () => {
  it('a wrong client secret (invalid_client, AADSTS7000215) gives the client server_error, reported with the AADSTS code', async () => {
    const stack = await startStack({ clientSecret: 'wrong-secret-0123456789abcdef0123456789' });
    try {
      const { callback } = await authorizeWith(stack, 'notes.read');
      expect(callback.get('error')).toBe('server_error');
      expect(callback.has('code')).toBe(false);
      const reported = stack.errors.find((e) => e.code === 'ERR_UPSTREAM');
      expect(reported).toMatchObject({ status: 401, error: 'invalid_client' });
      expect(reported?.code === 'ERR_UPSTREAM' && reported.errorDescription).toMatch(/^AADSTS7000215:/);
    } finally {
      await stack.close();
    }
  });

  for (const failure of ['throttled', 'unavailable', 'malformed', 'hang'] as const) {
    it(`a token endpoint that is ${failure} gives the client server_error, never a hang or a crash`, async () => {
      const stack = await startStack({ http: { timeoutMs: 300 } });
      try {
        stack.entra.fail('token', failure);
        const { callback } = await authorizeWith(stack, 'notes.read');
        expect(callback.get('error')).toBe('server_error');
        expect(stack.errors.some((e) => e.code === 'ERR_UPSTREAM')).toBe(true);
      } finally {
        await stack.close();
      }
    });
  }
});
