import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError, createBearerGuard, type AnyAuthError } from '@mcpauth/core';
import { toAuthInfo } from '@mcpauth/core/mcp';
import { GitHubProvider, GitHubTokenVerifier, githubEndpoints, githubTokenRevoker } from '../src/index.js';

const SECRET = 'github-test-client-secret-0123456789abcdef';
import { OCTOCAT, startFakeGitHub, type FakeGitHub } from './fake-github.js';

let github: FakeGitHub;

beforeAll(async () => {
  github = await startFakeGitHub();
  github.setToken('gho_valid', { kind: 'user', user: OCTOCAT, scopes: 'read:user, repo' });
  github.setToken('ghu_app', { kind: 'user', user: { ...OCTOCAT, id: 42, login: 'app-user', name: null, email: 'a@example.com' } });
  github.setToken('gho_ratelimited', { kind: 'rate_limited' });
  github.setToken('gho_429', { kind: 'too_many_requests' });
  github.setToken('gho_notjson', { kind: 'malformed', body: '{"id": 1,' });
  github.setToken('gho_array', { kind: 'malformed', body: '[1,2]' });
  github.setToken('gho_noid', { kind: 'malformed', body: '{"login":"x","id":"583231"}' });
  github.setToken('gho_502', { kind: 'server_error' });
  github.setToken('gho_slow', { kind: 'hang' });
});
afterAll(() => github.close());

function verifier(extra: Partial<ConstructorParameters<typeof GitHubTokenVerifier>[0] & object> = {}) {
  const errors: AnyAuthError[] = [];
  const v = new GitHubTokenVerifier({ apiBaseUrl: github.url, onInvalidToken: (e: AnyAuthError) => errors.push(e), ...extra } as never);
  return { v, errors };
}

describe('GitHubTokenVerifier', () => {
  it('verifies a token with GET /user: numeric id as subject, scopes from X-OAuth-Scopes, documented claims', async () => {
    const { v } = verifier({ clientId: 'Iv1.abc' });
    const before = github.requests.length;
    const token = await v.verifyToken('gho_valid');
    expect(token).toMatchObject({
      token: 'gho_valid',
      clientId: 'Iv1.abc',
      subject: '583231',
      scopes: ['read:user', 'repo'],
      claims: { sub: '583231', login: 'octocat', name: 'The Octocat', email: null, avatar_url: OCTOCAT.avatar_url },
    });
    const seen = github.requests[before]!;
    expect(seen.path).toBe('/user');
    expect(seen.headers.authorization).toBe('Bearer gho_valid');
    expect(seen.headers.accept).toBe('application/vnd.github+json');
    expect(seen.headers['x-github-api-version']).toBe('2022-11-28');
  });

  it('GitHub App user tokens have no X-OAuth-Scopes: no scopes', async () => {
    const { v } = verifier();
    const token = await v.verifyToken('ghu_app');
    expect(token?.scopes).toEqual([]);
    expect(token?.clientId).toBe('github');
    expect(token?.claims).toMatchObject({ sub: '42', name: null, email: 'a@example.com' });
  });

  it('sets expiresAt to the cache horizon, which the MCP SDK adapter keeps', async () => {
    let now = 1_700_000_000;
    const { v } = verifier({ cache: { ttlSeconds: 120 }, now: () => now });
    const token = await v.verifyToken('gho_valid');
    expect(token?.expiresAt).toBe(1_700_000_000 + 120);
    now += 60;
    expect((await v.verifyToken('gho_valid'))?.expiresAt).toBe(1_700_000_000 + 120);
    expect(toAuthInfo(token!).expiresAt).toBe(1_700_000_000 + 120);
  });

  it('caches verdicts for the TTL, keyed by token hash, and asks again after it', async () => {
    let now = 1_000;
    const { v } = verifier({ cache: { ttlSeconds: 10 }, now: () => now });
    const calls = github.userCalls();
    await v.verifyToken('gho_valid');
    const again = await v.verifyToken('gho_valid');
    expect(again?.token).toBe('gho_valid');
    expect(github.userCalls()).toBe(calls + 1);
    now += 10.001;
    await v.verifyToken('gho_valid');
    expect(github.userCalls()).toBe(calls + 2);
  });

  it('bounds the cache size (least recently used evicted)', async () => {
    const { v } = verifier({ cache: { maxEntries: 1 } });
    const calls = github.userCalls();
    await v.verifyToken('gho_valid');
    await v.verifyToken('ghu_app');
    await v.verifyToken('gho_valid');
    expect(github.userCalls()).toBe(calls + 3);
  });

  it('collapses concurrent checks of one token into one request', async () => {
    const { v } = verifier();
    const calls = github.userCalls();
    const results = await Promise.all(Array.from({ length: 20 }, () => v.verifyToken('gho_valid')));
    expect(results.every((r) => r?.subject === '583231')).toBe(true);
    expect(github.userCalls()).toBe(calls + 1);
  });

  it('cache: false asks GitHub every time, and still sets the default expiresAt horizon', async () => {
    const { v } = verifier({ cache: false, now: () => 1_000 });
    const calls = github.userCalls();
    expect((await v.verifyToken('gho_valid'))?.expiresAt).toBe(1_300);
    await v.verifyToken('gho_valid');
    expect(github.userCalls()).toBe(calls + 2);
  });

  it('401 Bad credentials → null, reported each time, and the verdict cached', async () => {
    const { v, errors } = verifier();
    const calls = github.userCalls();
    expect(await v.verifyToken('gho_revoked')).toBeNull();
    expect(await v.verifyToken('gho_revoked')).toBeNull();
    expect(github.userCalls()).toBe(calls + 1);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'inactive' });
    expect(errors[0]!.message).not.toContain('gho_revoked');
  });

  it.each([
    ['gho_ratelimited', 403],
    ['gho_429', 429],
  ])(
    'rate limit (%s, HTTP %i) → UpstreamError thrown (GitHub could not say), not reported to the hook, not cached',
    async (token, status) => {
      const { v, errors } = verifier();
      const calls = github.userCalls();
      await expect(v.verifyToken(token)).rejects.toBeInstanceOf(UpstreamError);
      await expect(v.verifyToken(token)).rejects.toMatchObject({
        code: 'ERR_UPSTREAM',
        reason: 'http_status',
        status,
        message: expect.stringMatching(/rate limit/),
      });
      expect(github.userCalls()).toBe(calls + 2);
      expect(errors).toEqual([]);
    },
  );

  it.each(['gho_notjson', 'gho_array', 'gho_noid'])('malformed /user body (%s) → UpstreamError invalid_body', async (token) => {
    const { v, errors } = verifier();
    await expect(v.verifyToken(token)).rejects.toMatchObject({ code: 'ERR_UPSTREAM', reason: 'invalid_body' });
    expect(errors).toEqual([]);
  });

  it('5xx → UpstreamError', async () => {
    const { v } = verifier();
    await expect(v.verifyToken('gho_502')).rejects.toMatchObject({ code: 'ERR_UPSTREAM', reason: 'http_status', status: 502 });
  });

  it('a GitHub that never answers → UpstreamError timeout', async () => {
    const { v } = verifier({ timeoutMs: 150 });
    await expect(v.verifyToken('gho_slow')).rejects.toMatchObject({ code: 'ERR_UPSTREAM', reason: 'timeout' });
  });

  it('an oversized response → UpstreamError too_large', async () => {
    const { v } = verifier({ maxResponseBytes: 64 });
    await expect(v.verifyToken('gho_valid')).rejects.toMatchObject({ code: 'ERR_UPSTREAM', reason: 'too_large' });
  });

  it('refuses an empty or huge token without calling GitHub', async () => {
    const { v, errors } = verifier();
    const calls = github.userCalls();
    expect(await v.verifyToken('')).toBeNull();
    expect(await v.verifyToken('x'.repeat(5000))).toBeNull();
    expect(github.userCalls()).toBe(calls);
    expect(errors.map((e) => e.code)).toEqual(['ERR_TOKEN_INVALID', 'ERR_TOKEN_INVALID']);
  });

  it('GitHub Enterprise Server: the API is at {enterpriseUrl}/api/v3', async () => {
    const v = new GitHubTokenVerifier({ enterpriseUrl: `${github.url}/` });
    const before = github.requests.length;
    expect((await v.verifyToken('gho_valid'))?.subject).toBe('583231');
    expect(github.requests[before]!.path).toBe('/api/v3/user');
    expect(githubEndpoints('https://ghe.example.com')).toEqual({
      apiBaseUrl: 'https://ghe.example.com/api/v3',
      authorizationEndpoint: 'https://ghe.example.com/login/oauth/authorize',
      tokenEndpoint: 'https://ghe.example.com/login/oauth/access_token',
    });
    expect(githubEndpoints().apiBaseUrl).toBe('https://api.github.com');
  });

  it('rejects bad options at construction', () => {
    expect(() => new GitHubTokenVerifier({ cache: { ttlSeconds: 0 } })).toThrow(TypeError);
    expect(() => new GitHubTokenVerifier({ cacheTtlSeconds: 60 } as never)).toThrow(/cache: \{ ttlSeconds, maxEntries \}/);
    expect(() => new GitHubTokenVerifier({ cache: { ttl: 60 } } as never)).toThrow(/ttlSeconds and maxEntries only/);
    expect(() => new GitHubTokenVerifier({ enterpriseUrl: 'not a url' })).toThrow(TypeError);
    expect(() => new GitHubTokenVerifier({ apiBaseUrl: 'https://x', enterpriseUrl: 'https://y' } as never)).toThrow(TypeError);
  });

  it('sends tokens only over https (http only on loopback): apiBaseUrl, enterpriseUrl and the revoker are checked at construction', () => {
    expect(() => new GitHubTokenVerifier({ apiBaseUrl: 'http://api.example.com' })).toThrow(/apiBaseUrl must use https/);
    expect(() => new GitHubTokenVerifier({ enterpriseUrl: 'http://ghe.example.com' })).toThrow(/enterpriseUrl must use https/);
    expect(() => githubTokenRevoker('http://api.example.com')).toThrow(/apiBaseUrl must use https/);
    expect(
      () =>
        new GitHubProvider({
          clientId: 'x',
          clientSecret: SECRET,
          baseUrl: 'https://mcp.example.com',
          enterpriseUrl: 'http://ghe.example.com',
        }),
    ).toThrow(TypeError);
    expect(
      () =>
        new GitHubProvider({
          clientId: 'x',
          clientSecret: SECRET,
          baseUrl: 'https://mcp.example.com',
          verifier: { apiBaseUrl: 'http://api.example.com' },
        }),
    ).toThrow(TypeError);
    // loopback http stays allowed (tests, local fakes)
    expect(() => new GitHubTokenVerifier({ apiBaseUrl: 'http://127.0.0.1:9/' })).not.toThrow();
    expect(() => new GitHubTokenVerifier({ enterpriseUrl: 'http://localhost:9' })).not.toThrow();
    expect(() => githubTokenRevoker('http://[::1]:9')).not.toThrow();
  });

  it('behind the bearer guard: valid → token, revoked → 401, missing scope → 403, rate limit → 502 (retry, not sign in again)', async () => {
    // GitHub tokens name no resource: standalone, the guard can only be opted out of the audience check
    const guard = createBearerGuard({
      verifier: new GitHubTokenVerifier({ apiBaseUrl: github.url, requiredScopes: ['read:user'] }),
      dangerouslyAcceptAnyAudience: true,
    });
    expect(() => createBearerGuard({ verifier: new GitHubTokenVerifier({ apiBaseUrl: github.url }) } as never)).toThrow(
      /expectedResource is required/,
    );
    const req = (t: string) => new Request('http://localhost/mcp', { headers: { authorization: `Bearer ${t}` } });
    expect(await guard(req('gho_valid'))).toMatchObject({ subject: '583231' });
    expect(((await guard(req('gho_nope'))) as Response).status).toBe(401);
    expect(((await guard(req('ghu_app'))) as Response).status).toBe(403);
    expect(((await guard(req('gho_ratelimited'))) as Response).status).toBe(502);
  });
});
