/**
 * `OIDCProxy` in front of oidc-provider with its **default** configuration, as a new user runs
 * it: the defaults must complete the flow (the MCP `resource` and scopes are not sent upstream),
 * and every upstream error at the callback must reach `onError` with the upstream's `error` and
 * `error_description`, while the client gets the closest OAuth error (not a bare `server_error`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/index.js';
import { OIDCProxy } from '../../src/proxy/oidc-proxy.js';
import type { OIDCProxyOptions } from '../../src/proxy/oidc-proxy.js';
import { UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET, upstreamJwtVerifier } from './helpers.js';
import { authorizeOverHttp, CLIENT_CALLBACK, registerOverHttp, scriptedClient, startProxyStack, type ProxyStack } from './stack.js';
import { pkceChallenge, randomToken } from '../../src/lib/crypto.js';

let stack: ProxyStack | undefined;
afterEach(() => stack?.close());

/** OIDCProxy on the stock provider: ID tokens verified (its access tokens are opaque), errors collected. */
async function start(overrides: Partial<Omit<OIDCProxyOptions, 'upstream'>> = {}) {
  const errors: unknown[] = [];
  stack = await startProxyStack(
    (url, h) =>
      new OIDCProxy({
        upstream: {
          configUrl: `${h.issuer}/.well-known/openid-configuration`,
          clientId: UPSTREAM_CLIENT_ID,
          clientSecret: UPSTREAM_CLIENT_SECRET,
          verifyIdToken: true,
          verifier: ({ jwksUri, issuer, clientId }) => upstreamJwtVerifier({ jwksUri, issuer, audience: clientId }),
        },
        baseUrl: url,
        validScopes: ['mcp:tools', 'admin'],
        requiredScopes: ['mcp:tools'],
        onError: (e) => errors.push(e),
        ...overrides,
      }),
    { stock: true },
  );
  return { stack, errors };
}

/** authorize → consent → upstream login → our callback; the query our client's redirect URI got. */
async function callbackParams(s: ProxyStack, scope: string): Promise<URLSearchParams> {
  const { client_id } = await registerOverHttp(s);
  const url = new URL(`${s.url}/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id,
    redirect_uri: CLIENT_CALLBACK,
    code_challenge: await pkceChallenge(randomToken(48)),
    code_challenge_method: 'S256',
    state: 'st',
    scope,
    resource: s.mcpUrl,
  })) {
    url.searchParams.set(k, v);
  }
  const browser = scriptedClient(s.h);
  await browser.redirectToAuthorization(url);
  return browser.callback!;
}

describe('OIDCProxy with a stock oidc-provider', () => {
  it('completes the flow with the defaults; the client gets the scopes it was granted on consent', async () => {
    const { stack: s, errors } = await start();
    const { client_id } = await registerOverHttp(s);
    const res = await authorizeOverHttp(s, client_id, { scope: 'mcp:tools', resource: s.mcpUrl });
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { access_token: string; scope: string };
    expect(tokens.scope).toBe('mcp:tools');
    expect(await s.proxy.verifyToken(tokens.access_token)).toMatchObject({ subject: 'alice', scopes: ['mcp:tools'] });
    expect(errors).toEqual([]);
  });

  it('forwardResource: the upstream refuses the MCP URL (invalid_target): onError hears it, the client gets server_error naming it', async () => {
    const { stack: s, errors } = await start({ forward: { resource: true } });
    const back = await callbackParams(s, 'mcp:tools');
    expect(back.get('error')).toBe('server_error');
    expect(back.get('error_description')).toContain('invalid_target');
    expect(back.get('state')).toBe('st');
    const upstream = errors.find((e): e is UpstreamError => e instanceof UpstreamError);
    expect(upstream).toMatchObject({ reason: 'oauth_error', error: 'invalid_target' });
    expect(upstream!.errorDescription).toBeTruthy();
  });

  it('forwardScopes: the stock provider does not grant the MCP scopes, so the default policy grants none of them', async () => {
    const { stack: s } = await start({ forward: { scopes: true } });
    const { client_id } = await registerOverHttp(s);
    const res = await authorizeOverHttp(s, client_id, { scope: 'mcp:tools admin' });
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { access_token: string; scope?: string };
    expect(tokens.scope).toBeUndefined();
    expect((await s.proxy.verifyToken(tokens.access_token))?.scopes).toEqual([]);
  });

  it('an upstream access_denied reaches onError and the client as access_denied', async () => {
    const { stack: s, errors } = await start({
      hooks: { authorizeUrl: (url) => void url.searchParams.set('prompt', 'none') },
    });
    // prompt=none without an upstream session: the provider answers login_required
    const back = await callbackParams(s, 'mcp:tools');
    expect(back.get('error')).toBe('access_denied');
    expect(back.get('error_description')).toContain('login_required');
    expect(errors.find((e) => e instanceof UpstreamError)).toMatchObject({ error: 'login_required' });
  });
});
