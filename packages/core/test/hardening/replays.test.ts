/**
 * Replays over HTTP against the OAuth proxy (oidc-provider upstream):
 * - a replayed authorization code revokes what it issued (RFC 6749 §4.1.2): the access token
 *   then gets 401 at /mcp and the refresh token `invalid_grant` (the replay used to be refused
 *   without revoking anything, because the token endpoint never reached the exchange);
 * - a refresh token presented again while its first presentation is still refreshing upstream is
 *   a reuse: the family is revoked and the first presentation gets no tokens either.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { proxyOptions } from '../proxy/helpers.js';
import { codeOverHttp, redeemOverHttp, registerOverHttp, startProxyStack, type ProxyStack } from '../proxy/stack.js';

let stack: ProxyStack | undefined;
afterEach(() => stack?.close());

const form = { 'content-type': 'application/x-www-form-urlencoded' };

const refresh = (s: ProxyStack, clientId: string, refreshToken: string) =>
  fetch(`${s.url}/token`, {
    method: 'POST',
    headers: form,
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
  });

const ping = (s: ProxyStack, token: string) =>
  fetch(s.mcpUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });

describe('authorization code replay', () => {
  it('revokes the tokens issued from the code', async () => {
    stack = await startProxyStack((url, h) => new OAuthProxy(proxyOptions(h, url)));
    const { client_id } = await registerOverHttp(stack);
    const { code, verifier } = await codeOverHttp(stack, client_id, { scope: 'read' });
    const first = await redeemOverHttp(stack, client_id, code, verifier);
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as { access_token: string; refresh_token: string };
    expect((await ping(stack, tokens.access_token)).status).toBe(200);

    const replay = await redeemOverHttp(stack, client_id, code, verifier);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');

    expect((await ping(stack, tokens.access_token)).status).toBe(401);
    const refreshed = await refresh(stack, client_id, tokens.refresh_token);
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
  });
});

describe('refresh token presented twice during an upstream refresh', () => {
  it('revokes the family; neither presentation gets tokens', async () => {
    let release: () => void = () => undefined;
    let upstreamRefreshStarted: () => void = () => undefined;
    const started = new Promise<void>((r) => (upstreamRefreshStarted = r));
    const gate = new Promise<void>((r) => (release = r));
    const slowRefresh: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (request.method === 'POST' && (await request.clone().text()).includes('grant_type=refresh_token')) {
        upstreamRefreshStarted();
        await gate;
      }
      return fetch(request);
    };
    stack = await startProxyStack((url, h) => new OAuthProxy(proxyOptions(h, url, { http: { fetch: slowRefresh } })));
    const { client_id } = await registerOverHttp(stack);
    const { code, verifier } = await codeOverHttp(stack, client_id, { scope: 'read' });
    const tokens = (await (await redeemOverHttp(stack, client_id, code, verifier)).json()) as {
      access_token: string;
      refresh_token: string;
    };

    const firstPresentation = refresh(stack, client_id, tokens.refresh_token);
    await started;
    const second = await refresh(stack, client_id, tokens.refresh_token);
    expect(second.status).toBe(400);
    expect(((await second.json()) as { error: string }).error).toBe('invalid_grant');
    release();
    const first = await firstPresentation;
    expect(first.status).toBe(400);
    expect(((await first.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await ping(stack, tokens.access_token)).status).toBe(401);
  });
});
