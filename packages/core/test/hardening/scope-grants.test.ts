/**
 * Scopes are not granted by consent alone: the proxy grants what its scope-grant policy allows.
 * Default: what the upstream says it granted (its token response's `scope`); a `grantScopes`
 * hook can narrow further (e.g. "admin" only for some users). Over HTTP, oidc-provider upstream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { grantVerifiedScopes } from '../../src/index.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { proxyOptions } from '../proxy/helpers.js';
import { authorizeOverHttp, registerOverHttp, startProxyStack, type ProxyStack } from '../proxy/stack.js';

let stack: ProxyStack | undefined;
afterEach(() => stack?.close());

async function expectGrantedScope(s: ProxyStack, scope: string): Promise<string | undefined> {
  const { client_id } = await registerOverHttp(s);
  const res = await authorizeOverHttp(s, client_id, { scope });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; scope?: string };
  const verified = await s.proxy.verifyToken(body.access_token);
  expect(verified?.scopes.join(' ') ?? '').toBe(body.scope ?? '');
  return body.scope;
}

describe('scope grants', () => {
  it('grants only the requested scopes the upstream granted (default policy)', async () => {
    stack = await startProxyStack((url, h) => new OAuthProxy(proxyOptions(h, url)), { resourceScopes: 'read' });
    expect(await expectGrantedScope(stack, 'read write')).toBe('read');
  });

  it('grants every requested scope the upstream echoes', async () => {
    stack = await startProxyStack((url, h) => new OAuthProxy(proxyOptions(h, url)), { resourceScopes: 'read write' });
    expect(await expectGrantedScope(stack, 'read write')).toBe('read write');
  });

  it('a grantScopes hook narrows by user; it cannot widen', async () => {
    const seen: unknown[] = [];
    stack = await startProxyStack(
      (url, h) =>
        new OAuthProxy(
          proxyOptions(h, url, {
            hooks: {
              grantScopes: (context) => {
                seen.push({ requested: context.requested, sub: context.upstreamClaims['sub'], clientId: context.clientId });
                // "write" only for bob; a policy returning more than asked gets no more
                return [...context.requested.filter((s) => s !== 'write' || context.upstream.subject === 'bob'), 'admin'];
              },
            },
          }),
        ),
    );
    expect(await expectGrantedScope(stack, 'read write')).toBe('read');
    expect(seen).toEqual([{ requested: ['read', 'write'], sub: 'alice', clientId: expect.any(String) }]);
  });
});

describe('grantVerifiedScopes', () => {
  it('grants the requested scopes the verified upstream token carries, whatever the token response says', () => {
    const context = {
      requested: ['notes:read', 'notes:write', 'admin'],
      clientId: 'client',
      response: { accessToken: 'upstream', scope: 'openid notes:read notes:write admin', raw: {} },
      upstream: { token: 'upstream', clientId: 'app', scopes: ['notes:read', 'other'], claims: {} },
      upstreamClaims: {},
    };
    expect(grantVerifiedScopes(context)).toEqual(['notes:read']);
    expect(grantVerifiedScopes({ ...context, upstream: { ...context.upstream, scopes: [] } })).toEqual([]);
  });
});
