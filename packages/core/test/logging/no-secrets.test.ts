/**
 * No token, secret, code, PKCE verifier or client credential in any logged line: whole flows
 * (the authorization server with a confidential client; the OAuth proxy over HTTP with the MCP SDK
 * client and the oidc-provider upstream), refusals included, with a logger that keeps every line.
 */
import { auth } from '@modelcontextprotocol/client';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderTokenVerifier, createBearerGuard } from '../../src/index.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { authorize, basic, direct, form, redeem, register } from '../authorization-server/fixtures.js';
import { proxyOptions, UPSTREAM_CLIENT_SECRET } from '../proxy/helpers.js';
import { registerOverHttp, scriptedClient, startProxyStack, type ProxyStack } from '../proxy/stack.js';
import { capturingLogger, leaks } from './capture.js';

describe('no secret in any log line', () => {
  let stack: ProxyStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('authorization server: registration, authorization, token, refresh, revocation, refusals', async () => {
    const logger = capturingLogger();
    const d = direct({ server: { logger } });
    const guard = createBearerGuard({ verifier: new ProviderTokenVerifier(d.provider), expectedResource: d.resourceUrl, logger });
    const secrets: (string | undefined)[] = [];

    const client = await register(d, { token_endpoint_auth_method: 'client_secret_basic' });
    secrets.push(client.client_secret);
    const { params, verifier } = await authorize(d, client.client_id);
    const code = params.get('code')!;
    secrets.push(code, verifier);

    const wrong = 'wrong-secret-0123456789abcdef';
    secrets.push(wrong);
    expect((await redeem(d, client.client_id, code, verifier, {}, basic(client.client_id, wrong))).status).toBe(401);
    const first = (await (
      await redeem(d, client.client_id, code, verifier, {}, basic(client.client_id, client.client_secret!))
    ).json()) as {
      access_token: string;
      refresh_token: string;
    };
    secrets.push(first.access_token, first.refresh_token);
    const refreshed = await d.fetch(
      '/token',
      form({ grant_type: 'refresh_token', refresh_token: first.refresh_token }, basic(client.client_id, client.client_secret!)),
    );
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as { access_token: string; refresh_token: string };
    secrets.push(second.access_token, second.refresh_token);
    // bearer tokens: a good one, a refresh token, garbage, a revoked one
    const at = (token: string) => guard(new Request(d.resourceUrl, { headers: { authorization: `Bearer ${token}` } }));
    expect(await at(second.access_token)).not.toBeInstanceOf(Response);
    // the rotated refresh token presented again (which revokes the family)
    const replay = await d.fetch(
      '/token',
      form({ grant_type: 'refresh_token', refresh_token: first.refresh_token }, basic(client.client_id, client.client_secret!)),
    );
    expect(replay.status).toBe(400);
    expect(await at(second.refresh_token)).toBeInstanceOf(Response);
    const garbage = 'garbage-token-0123456789abcdef';
    secrets.push(garbage);
    expect(await at(garbage)).toBeInstanceOf(Response);
    await d.fetch('/revoke', form({ token: second.access_token }, basic(client.client_id, client.client_secret!)));
    expect(await at(second.access_token)).toBeInstanceOf(Response);
    // a replayed code
    expect((await redeem(d, client.client_id, code, verifier, {}, basic(client.client_id, client.client_secret!))).status).toBe(400);
    // registration refused; a client that sends a secret of its own choosing in its metadata
    const chosen = 'client-chosen-secret-0123456789';
    secrets.push(chosen);
    await d.fetch('/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['javascript:alert(1)'], client_secret: chosen }),
    });
    // an authorization request for a redirect URI that was not registered
    await d.fetch(
      `/authorize?${new URLSearchParams({ client_id: client.client_id, redirect_uri: 'http://127.0.0.1:1/other', code_challenge: verifier })}`,
    );

    expect(logger.events('token_refused').length).toBeGreaterThanOrEqual(3);
    expect(logger.events('request_refused').map((l) => l.fields?.error)).toEqual(
      expect.arrayContaining(['invalid_client', 'invalid_grant']),
    );
    expect(logger.events('registration_refused')).toHaveLength(1);
    expect(leaks(logger.lines, secrets)).toEqual([]);
  });

  it('OAuth proxy: DCR, consent, upstream login, callback, token, tool call, refresh, revocation, refusals', async () => {
    const logger = capturingLogger();
    const seen: string[] = [];
    // the proxy's outbound calls: every token and code the upstream sends or receives is a secret
    const watch = async (input: RequestInfo | URL, init?: RequestInit) => {
      if (typeof init?.body === 'string' || init?.body instanceof URLSearchParams) {
        for (const [k, v] of new URLSearchParams(String(init.body))) if (/code|token|secret|verifier/.test(k)) seen.push(v);
      }
      const authorization = new Headers(init?.headers).get('authorization');
      if (authorization) seen.push(authorization, authorization.replace(/^\w+ /, ''));
      const res = await fetch(input, init);
      const body = (await res
        .clone()
        .json()
        .catch(() => ({}))) as Record<string, unknown>;
      for (const k of ['access_token', 'refresh_token', 'id_token']) if (typeof body[k] === 'string') seen.push(body[k] as string);
      return res;
    };
    const jwtSigningKey = 'proxy-signing-key-0123456789abcdef0123456789';
    stack = await startProxyStack(
      (url, h) => new OAuthProxy(proxyOptions(h, url, { requiredScopes: ['read'], jwtSigningKey, logger, http: { fetch: watch } })),
    );
    const provider = scriptedClient(stack.h);
    const transport = () => new StreamableHTTPClientTransport(new URL(stack!.mcpUrl), { authProvider: provider });
    await expect(new Client({ name: 'logs', version: '1' }).connect(transport())).rejects.toBeInstanceOf(UnauthorizedError);
    await transport().finishAuth(provider.callback!);
    const client = new Client({ name: 'logs', version: '1' });
    await client.connect(transport());
    await client.callTool({ name: 'whoami', arguments: {} });
    const first = provider.saved!;
    expect(await auth(provider, { serverUrl: stack.mcpUrl })).toBe('AUTHORIZED');
    const second = provider.saved!;
    await client.close();

    // refusals: a confidential client with a wrong secret, a callback for an unknown state, a revoked token
    const confidential = (await registerOverHttp(stack, { token_endpoint_auth_method: 'client_secret_basic' })) as {
      client_id: string;
      client_secret?: string;
    };
    const wrong = 'wrong-secret-0123456789abcdef';
    await fetch(`${stack.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${btoa(`${confidential.client_id}:${wrong}`)}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: provider.callback!.get('code')!,
        redirect_uri: 'http://127.0.0.1:4399/callback',
      }),
    });
    const forgedCode = 'forged-upstream-code-0123456789';
    await fetch(`${stack.url}/auth/callback?state=unknown-state-0123456789&code=${forgedCode}`);
    await fetch(`${stack.url}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: second.refresh_token!, client_id: provider.client!.client_id }),
    });
    const refused = await fetch(stack.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${second.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(refused.status).toBe(401);
    const stale = await fetch(`${stack.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: provider.client!.client_id,
      }),
    });
    expect(stale.status).toBe(400);

    const secrets = [
      UPSTREAM_CLIENT_SECRET,
      jwtSigningKey,
      first.access_token,
      first.refresh_token,
      second.access_token,
      second.refresh_token,
      provider.callback!.get('code')!,
      provider.client!.client_secret,
      confidential.client_secret,
      wrong,
      forgedCode,
      ...seen,
    ];
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(logger.events('token_refused').length).toBeGreaterThanOrEqual(1);
    expect(logger.events('request_refused').length).toBeGreaterThanOrEqual(2);
    expect(leaks(logger.lines, secrets)).toEqual([]);
  });
});
