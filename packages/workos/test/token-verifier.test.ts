import { createBearerGuard, UpstreamError, type AnyAuthError } from '@mcpauth/core';
import { toAuthInfo } from '@mcpauth/core/mcp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOSTokenVerifier, workosEndpoints, type WorkOSTokenVerifierOptions } from '../src/index.js';
import { LEROY, startFakeWorkOS, type FakeWorkOS } from './fake-workos.js';

let workos: FakeWorkOS;
const FULL = { kind: 'user', claims: { ...LEROY, scope: 'openid profile email' } } as const;

beforeAll(async () => {
  workos = await startFakeWorkOS();
  workos.setToken('opaque-full', FULL);
  workos.setToken('opaque-min', { kind: 'user', claims: { sub: LEROY.sub } });
  workos.setToken('opaque-list', { kind: 'user', claims: { sub: LEROY.sub, scopes: ['openid', 'widgets:read'] } });
  workos.setToken('opaque-odd', { kind: 'user', claims: { sub: LEROY.sub, email: 42, email_verified: 'yes', name: null } });
  workos.setToken('opaque-429', { kind: 'rate_limited' });
  workos.setToken('opaque-503', { kind: 'server_error' });
  workos.setToken('opaque-notjson', { kind: 'malformed', body: '{"sub": ' });
  workos.setToken('opaque-array', { kind: 'malformed', body: '["user_01"]' });
  workos.setToken('opaque-nosub', { kind: 'malformed', body: '{"email":"a@example.com"}' });
  workos.setToken('opaque-emptysub', { kind: 'malformed', body: '{"sub":""}' });
  workos.setToken('opaque-slow', { kind: 'hang' });
});
afterAll(() => workos.close());

function verifier(extra: Partial<WorkOSTokenVerifierOptions> = {}) {
  const errors: AnyAuthError[] = [];
  const v = new WorkOSTokenVerifier({ authkitDomain: workos.url, onInvalidToken: (e) => errors.push(e), ...extra });
  return { v, errors };
}

describe('WorkOSTokenVerifier', () => {
  it('verifies a token at GET {domain}/oauth2/userinfo: subject = sub, scopes from scope, the documented claims', async () => {
    const { v } = verifier({ clientId: 'client_01JP8BD0CZ401TDF9X54NT5ZEK' });
    const before = workos.requests.length;
    const token = await v.verifyToken('opaque-full');
    expect(token).toMatchObject({
      token: 'opaque-full',
      clientId: 'client_01JP8BD0CZ401TDF9X54NT5ZEK',
      subject: LEROY.sub,
      scopes: ['openid', 'profile', 'email'],
      claims: { ...LEROY },
    });
    expect(Object.keys(token!.claims).sort()).toEqual(['email', 'email_verified', 'family_name', 'given_name', 'name', 'sub']);
    const seen = workos.requests[before]!;
    expect(seen).toMatchObject({ method: 'GET', path: '/oauth2/userinfo' });
    expect(seen.headers.authorization).toBe('Bearer opaque-full');
  });

  it('scopes from a scopes list; absent or mistyped claims are left out; no scope → none', async () => {
    const { v } = verifier();
    expect((await v.verifyToken('opaque-list'))?.scopes).toEqual(['openid', 'widgets:read']);
    const min = await v.verifyToken('opaque-min');
    expect(min).toMatchObject({ clientId: 'workos', scopes: [], claims: { sub: LEROY.sub } });
    expect(Object.keys(min!.claims)).toEqual(['sub']);
    expect(Object.keys((await v.verifyToken('opaque-odd'))!.claims)).toEqual(['sub']);
  });

  it('expiresAt is the cache horizon, never later than the exp a WorkOS access token (a JWT) states', async () => {
    let now = Math.floor(Date.now() / 1000);
    const { v, errors } = verifier({ cache: { ttlSeconds: 600 }, now: () => now });
    expect((await v.verifyToken('opaque-full'))?.expiresAt).toBe(now + 600);
    const jwt = await workos.sign({ exp: now + 120 });
    workos.setToken(jwt, FULL);
    const token = await v.verifyToken(jwt);
    expect(token?.expiresAt).toBe(now + 120);
    expect(toAuthInfo(token!).expiresAt).toBe(now + 120);
    // the cached verdict ends with the token: past its exp, WorkOS is asked again (and it still says yes here)
    const calls = workos.hits('/oauth2/userinfo');
    now += 121;
    expect(await v.verifyToken(jwt)).toBeNull();
    expect(workos.hits('/oauth2/userinfo')).toBe(calls + 1);
    expect(errors.at(-1)).toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'expired' });
  });

  it('caches verdicts for the TTL, keyed by token hash; concurrent checks share one request', async () => {
    let now = 1_000;
    const { v } = verifier({ cache: { ttlSeconds: 10 }, now: () => now });
    const calls = workos.hits('/oauth2/userinfo');
    const all = await Promise.all(Array.from({ length: 10 }, () => v.verifyToken('opaque-full')));
    expect(all.every((t) => t?.subject === LEROY.sub)).toBe(true);
    expect((await v.verifyToken('opaque-full'))?.token).toBe('opaque-full');
    expect(workos.hits('/oauth2/userinfo')).toBe(calls + 1);
    now += 10.001;
    await v.verifyToken('opaque-full');
    expect(workos.hits('/oauth2/userinfo')).toBe(calls + 2);
  });

  it('401 → null, reported each time without the token, and the verdict cached', async () => {
    const { v, errors } = verifier();
    const calls = workos.hits('/oauth2/userinfo');
    expect(await v.verifyToken('opaque-revoked')).toBeNull();
    expect(await v.verifyToken('opaque-revoked')).toBeNull();
    expect(workos.hits('/oauth2/userinfo')).toBe(calls + 1);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'inactive' });
    expect(errors[0]!.message).not.toContain('opaque-revoked');
  });

  it('429 → UpstreamError naming the rate limit and Retry-After, not reported, not cached', async () => {
    const { v, errors } = verifier();
    const calls = workos.hits('/oauth2/userinfo');
    await expect(v.verifyToken('opaque-429')).rejects.toBeInstanceOf(UpstreamError);
    await expect(v.verifyToken('opaque-429')).rejects.toMatchObject({
      code: 'ERR_UPSTREAM',
      reason: 'http_status',
      status: 429,
      message: expect.stringMatching(/rate limit.*retry-after 60/),
    });
    expect(workos.hits('/oauth2/userinfo')).toBe(calls + 2);
    expect(errors).toEqual([]);
  });

  it('5xx → UpstreamError', async () => {
    const { v } = verifier();
    await expect(v.verifyToken('opaque-503')).rejects.toMatchObject({ code: 'ERR_UPSTREAM', reason: 'http_status', status: 503 });
  });

  it.each(['opaque-notjson', 'opaque-array', 'opaque-nosub', 'opaque-emptysub'])(
    'a malformed userinfo body (%s) → UpstreamError invalid_body',
    async (token) => {
      const { v, errors } = verifier();
      await expect(v.verifyToken(token)).rejects.toMatchObject({ code: 'ERR_UPSTREAM', reason: 'invalid_body' });
      expect(errors).toEqual([]);
    },
  );

  it('a WorkOS that never answers → UpstreamError timeout; an oversized answer → too_large', async () => {
    await expect(verifier({ timeoutMs: 150 }).v.verifyToken('opaque-slow')).rejects.toMatchObject({ reason: 'timeout' });
    await expect(verifier({ maxResponseBytes: 32 }).v.verifyToken('opaque-full')).rejects.toMatchObject({ reason: 'too_large' });
  });

  it('refuses an empty or huge token without calling WorkOS', async () => {
    const { v, errors } = verifier();
    const calls = workos.hits('/oauth2/userinfo');
    expect(await v.verifyToken('')).toBeNull();
    expect(await v.verifyToken('x'.repeat(9000))).toBeNull();
    expect(workos.hits('/oauth2/userinfo')).toBe(calls);
    expect(errors.map((e) => e.code)).toEqual(['ERR_TOKEN_INVALID', 'ERR_TOKEN_INVALID']);
  });

  it('behind the bearer guard: valid → token, unknown → 401, missing scope → 403, rate limit → 502', async () => {
    // userinfo names no resource: standalone, the guard must be told it does not check the audience
    const guard = createBearerGuard({
      verifier: new WorkOSTokenVerifier({ authkitDomain: workos.url, requiredScopes: ['profile'] }),
      dangerouslyAcceptAnyAudience: true,
    });
    const req = (t: string) => new Request('http://localhost/mcp', { headers: { authorization: `Bearer ${t}` } });
    expect(await guard(req('opaque-full'))).toMatchObject({ subject: LEROY.sub });
    expect(((await guard(req('opaque-nope'))) as Response).status).toBe(401);
    expect(((await guard(req('opaque-min'))) as Response).status).toBe(403);
    expect(((await guard(req('opaque-429'))) as Response).status).toBe(502);
  });
});

describe('workosEndpoints and the AuthKit domain option', () => {
  it('adds https:// when the scheme is missing; the endpoints follow the domain', () => {
    expect(workosEndpoints('example-app.authkit.app')).toEqual({
      issuer: 'https://example-app.authkit.app',
      authorizationEndpoint: 'https://example-app.authkit.app/oauth2/authorize',
      tokenEndpoint: 'https://example-app.authkit.app/oauth2/token',
      userinfoEndpoint: 'https://example-app.authkit.app/oauth2/userinfo',
      jwksUri: 'https://example-app.authkit.app/oauth2/jwks',
      metadataUrl: 'https://example-app.authkit.app/.well-known/oauth-authorization-server',
    });
    expect(workosEndpoints('https://auth.example.com/').issuer).toBe('https://auth.example.com');
    expect(workosEndpoints(new URL('http://127.0.0.1:9')).jwksUri).toBe('http://127.0.0.1:9/oauth2/jwks');
  });

  it('refuses a domain that is not a secure origin (http off loopback, a path, a query, credentials, nothing)', () => {
    expect(() => workosEndpoints('http://example-app.authkit.app')).toThrow(/must use https/);
    for (const bad of [
      'https://example-app.authkit.app/oauth2',
      'example-app.authkit.app?x=1',
      'https://u:p@a.authkit.app',
      '',
      'ftp://x',
    ]) {
      expect(() => workosEndpoints(bad), bad).toThrow(TypeError);
    }
    expect(() => workosEndpoints(undefined as never)).toThrow(TypeError);
  });

  it('the verifier refuses bad options at construction', () => {
    expect(() => new WorkOSTokenVerifier(undefined as never)).toThrow(TypeError);
    expect(() => new WorkOSTokenVerifier({ authkitDomain: 'http://example-app.authkit.app' })).toThrow(/must use https/);
    expect(() => new WorkOSTokenVerifier({ authkitDomain: workos.url, cache: { ttlSeconds: 0 } })).toThrow(TypeError);
    expect(() => new WorkOSTokenVerifier({ authkitDomain: workos.url, clientId: '' })).toThrow(TypeError);
    expect(() => new WorkOSTokenVerifier({ authkitDomain: workos.url, now: 5 as never })).toThrow(TypeError);
  });
});
