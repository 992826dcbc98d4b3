/**
 * End to end over HTTP: the MCP SDK v2 client registers (DCR), the scripted user approves the
 * consent page and signs in at the oidc-provider upstream, the proxy's callback returns a code,
 * the SDK exchanges it and calls a tool; then a refresh (which refreshes upstream), and a
 * revocation that revokes the upstream tokens at the provider. Once with `OAuthProxy`, once with
 * `OIDCProxy` configured from discovery.
 */
import { Client, StreamableHTTPClientTransport, UnauthorizedError, auth } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { OIDCProxy } from '../../src/proxy/oidc-proxy.js';
import { proxyOptions, upstreamActive, upstreamJwtVerifier, UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET } from './helpers.js';
import type { ScriptedOAuthClient } from '@mcpauth/testing';
import { scriptedClient, startProxyStack, type ProxyStack } from './stack.js';

async function expectConnected(stack: ProxyStack, provider: ScriptedOAuthClient): Promise<Client> {
  const first = new Client({ name: 'e2e', version: '1.0.0' });
  await expect(first.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  expect(provider.callback?.get('iss')).toBe(stack.url);
  await new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }).finishAuth(provider.callback!);
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }));
  return client;
}

async function whoami(client: Client): Promise<{ clientId: string; subject: string; scopes: string[] }> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as { clientId: string; subject: string; scopes: string[] };
}

const ping = (stack: ProxyStack, token: string) =>
  fetch(stack.mcpUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

/**
 * DCR → consent → upstream login → callback → token → tool call → refresh → revoke.
 * `upstreamGrantActive` asks the provider whether the upstream grant is still active.
 */
async function expectFullFlow(stack: ProxyStack, upstreamGrantActive: () => Promise<boolean>): Promise<void> {
  const upstreamTokenOf = async (ours: string) => (await stack.proxy.upstreamAccessToken(ours))!;
  const provider = scriptedClient(stack.h);
  const client = await expectConnected(stack, provider);
  const me = await whoami(client);
  expect(me).toEqual({ clientId: provider.client!.client_id, subject: 'alice', scopes: ['read'] });

  // Refresh through the SDK: our refresh token rotates and the upstream is refreshed too.
  const first = provider.saved!;
  const upstreamBefore = await upstreamTokenOf(first.access_token);
  expect(await auth(provider, { serverUrl: stack.mcpUrl })).toBe('AUTHORIZED');
  const second = provider.saved!;
  expect(second.refresh_token).not.toBe(first.refresh_token);
  const upstreamAfter = await upstreamTokenOf(second.access_token);
  expect(upstreamAfter).not.toBe(upstreamBefore);
  expect(await upstreamGrantActive()).toBe(true);
  expect((await whoami(client)).subject).toBe('alice');

  // Revoke (RFC 7009) our refresh token: our tokens stop working and the upstream grant is revoked.
  const revoked = await fetch(new URL('/revoke', stack.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: second.refresh_token!, client_id: provider.client!.client_id, token_type_hint: 'refresh_token' }),
  });
  expect(revoked.status).toBe(200);
  const refused = await ping(stack, second.access_token);
  expect(refused.status).toBe(401);
  expect(refused.headers.get('www-authenticate')).toContain('resource_metadata=');
  expect(await upstreamGrantActive()).toBe(false);
  await client.close();
}

/** The proxy's outbound fetch, keeping the latest upstream tokens it received (to ask the provider about them). */
function watchUpstream() {
  const seen = {
    accessToken: undefined as string | undefined,
    refreshToken: undefined as string | undefined,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await fetch(input, init);
      const body = (await res
        .clone()
        .json()
        .catch(() => ({}))) as { access_token?: string; refresh_token?: string };
      if (body.access_token) seen.accessToken = body.access_token;
      if (body.refresh_token) seen.refreshToken = body.refresh_token;
      return res;
    },
  };
  return seen;
}

describe('MCP SDK v2 client through the OAuth proxy (oidc-provider upstream)', () => {
  let stack: ProxyStack | undefined;
  let upstream = watchUpstream();
  afterEach(async () => {
    upstream = watchUpstream();
    await stack?.close();
    stack = undefined;
  });

  it('OAuthProxy: DCR → consent → upstream login → callback → token → tool call → refresh → revoke', async () => {
    stack = await startProxyStack(
      (url, h) => new OAuthProxy(proxyOptions(h, url, { requiredScopes: ['read'], http: { fetch: upstream.fetch } })),
    );
    await expectFullFlow(stack, () => upstreamActive(stack!.h, upstream.accessToken!));
  });

  it('OIDCProxy from discovery, verifying JWT access tokens with a verifier built from jwks_uri', async () => {
    let seen: { issuer: string; jwksUri: string } | undefined;
    stack = await startProxyStack(
      (url, h) =>
        new OIDCProxy({
          upstream: {
            configUrl: `${h.issuer}/.well-known/openid-configuration`,
            clientId: UPSTREAM_CLIENT_ID,
            clientSecret: UPSTREAM_CLIENT_SECRET,
            scopes: ['offline_access'],
            verifier: (ctx) => {
              seen = ctx;
              return upstreamJwtVerifier({ jwksUri: ctx.jwksUri, issuer: ctx.issuer, audience: `${url}/mcp` });
            },
          },
          baseUrl: url,
          validScopes: ['read', 'write'],
          requiredScopes: ['read'],
          // this upstream knows the MCP URL as a resource and read/write as its scopes: opt in
          forward: { resource: true, scopes: true },
          http: { fetch: upstream.fetch },
        }),
      { accessTokenFormat: 'jwt' },
    );
    await stack.proxy.ready();
    expect(seen).toMatchObject({ issuer: stack.h.issuer, jwksUri: stack.h.jwksUri });
    // JWT access tokens cannot be introspected at oidc-provider; the upstream refresh token (the grant) can.
    await expectFullFlow(stack, () => upstreamActive(stack!.h, upstream.refreshToken!));
  });
});
