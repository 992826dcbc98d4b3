/**
 * `CachedTokenCheck`: the verifier policy around one upstream call, for verifiers of opaque tokens
 * (GitHub's and WorkOS's use it). The shared contract on a verifier built with it, then what the
 * contract does not pin down: cached refusals, the lookup's own TTL, wrapped failures.
 */
import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { describe, expect, it } from 'vitest';
import { TokenInvalidError, UpstreamError, type AccessToken, type AnyAuthError } from '../src/index.js';
import { CachedTokenCheck, type CachedTokenCheckOptions, type TokenCheckVerdict } from '../src/kit.js';

/** An upstream in memory: known tokens, and failures by token. */
class Upstream {
  readonly valid = new Set<string>();
  readonly failing = new Map<string, () => Error>();
  calls = 0;
  #serial = 0;
  async lookup(token: string, ttlSeconds: number, now: number): Promise<TokenCheckVerdict<AccessToken>> {
    this.calls++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    const failure = this.failing.get(token);
    if (failure) throw failure();
    if (!this.valid.has(token)) throw new TokenInvalidError('inactive', 'The upstream rejected the token (HTTP 401)');
    return { token: { clientId: 'c', scopes: [], expiresAt: Math.floor(now + ttlSeconds), subject: 'u', claims: {} }, ttlSeconds };
  }
  newToken(): string {
    const token = `tok-${++this.#serial}`;
    this.valid.add(token);
    return token;
  }
}

function verifierOver(upstream: Upstream, options: Partial<CachedTokenCheckOptions> = {}, lookupTtl?: number) {
  const checks = new CachedTokenCheck({
    owner: 'TestVerifier',
    upstream: 'Test',
    cache: undefined,
    defaults: { ttlSeconds: 300, maxEntries: 100 },
    onInvalidToken: undefined,
    now: undefined,
    maxTokenLength: 64,
    ...options,
  });
  return {
    checks,
    verifyToken: (token: string) => checks.check(token, (t) => upstream.lookup(t, lookupTtl ?? checks.ttlSeconds, checks.now())),
  };
}

describe('verifier contract: a verifier built on CachedTokenCheck', () => {
  const upstream = new Upstream();
  const outage = (make: () => Error) => async (token: string) => {
    upstream.failing.set(token, make);
    return async () => void upstream.failing.delete(token);
  };
  const fixture: VerifierFixture = {
    create: ({ onInvalidToken, now, cache }) =>
      verifierOver(upstream, { onInvalidToken, now, cache: cache as CachedTokenCheckOptions['cache'] }),
    validToken: async () => upstream.newToken(),
    invalidTokens: async () => ({ 'unknown upstream (401)': 'tok-unknown', 'too long': 'x'.repeat(65) }),
    outages: {
      'an UpstreamError': outage(() => new UpstreamError('http_status', 'HTTP 503', { status: 503 })),
      'any other failure': outage(() => new TypeError('fetch failed')),
    },
    cache: { verifications: () => upstream.calls },
  };
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});

describe('CachedTokenCheck', () => {
  it('caches a refusal and reports it again on each hit, marked cached, with its reason', async () => {
    const upstream = new Upstream();
    const errors: AnyAuthError[] = [];
    const { verifyToken } = verifierOver(upstream, { onInvalidToken: (e) => void errors.push(e) });
    expect(await verifyToken('tok-gone')).toBeNull();
    expect(await verifyToken('tok-gone')).toBeNull();
    expect(upstream.calls).toBe(1);
    expect(errors.map((e) => [e.code, (e as TokenInvalidError).reason, e.message])).toEqual([
      ['ERR_TOKEN_INVALID', 'inactive', 'The upstream rejected the token (HTTP 401)'],
      ['ERR_TOKEN_INVALID', 'inactive', 'The upstream rejected the token (HTTP 401) (cached)'],
    ]);
  });

  it("keeps a valid verdict for the lookup's ttlSeconds when shorter than the cache's, not at all for 0", async () => {
    const upstream = new Upstream();
    let now = 1_000;
    const short = verifierOver(upstream, { now: () => now }, 10);
    const token = upstream.newToken();
    await short.verifyToken(token);
    now += 9;
    await short.verifyToken(token);
    expect(upstream.calls).toBe(1);
    now += 2;
    await short.verifyToken(token);
    expect(upstream.calls).toBe(2);
    const none = verifierOver(upstream, {}, 0);
    await none.verifyToken(token);
    await none.verifyToken(token);
    expect(upstream.calls).toBe(4);
  });

  it('one lookup for concurrent checks of a token; a failure other than UpstreamError becomes one (network)', async () => {
    const upstream = new Upstream();
    const { verifyToken } = verifierOver(upstream);
    const token = upstream.newToken();
    await Promise.all(Array.from({ length: 10 }, () => verifyToken(token)));
    expect(upstream.calls).toBe(1);
    upstream.failing.set('tok-x', () => new TypeError('socket hang up'));
    await expect(verifyToken('tok-x')).rejects.toMatchObject({
      code: 'ERR_UPSTREAM',
      reason: 'network',
      message: 'Test token check failed',
    });
  });

  it('hands each caller its own copy of scopes and claims (the cached verdict stays as it was)', async () => {
    const upstream = new Upstream();
    const { verifyToken } = verifierOver(upstream);
    const token = upstream.newToken();
    const first = (await verifyToken(token))!;
    first.scopes.push('admin');
    (first.claims as Record<string, unknown>)['role'] = 'admin';
    const second = (await verifyToken(token))!;
    expect(upstream.calls).toBe(1);
    expect(second.scopes).toEqual([]);
    expect(second.claims).toEqual({});
  });

  it('refuses an empty, oversized or unsendable token without a call, each with its reason', async () => {
    const upstream = new Upstream();
    const errors: AnyAuthError[] = [];
    const { verifyToken } = verifierOver(upstream, { onInvalidToken: (e) => void errors.push(e) });
    for (const token of ['', 'x'.repeat(65), 'tok with space', 'tok\r\nX-Injected: 1', 'tök']) expect(await verifyToken(token)).toBeNull();
    expect(upstream.calls).toBe(0);
    expect(errors.map((e) => (e as TokenInvalidError).reason)).toEqual(['malformed', 'too_large', 'malformed', 'malformed', 'malformed']);
  });

  it('refuses bad options with TypeError naming the verifier', () => {
    expect(() => verifierOver(new Upstream(), { cache: { ttlSeconds: 0 } })).toThrow(/TestVerifier/);
    expect(() => verifierOver(new Upstream(), { now: 5 as never })).toThrow(/TestVerifier: now must be a function/);
    expect(() => verifierOver(new Upstream(), { onInvalidToken: 'log' as never })).toThrow(TypeError);
  });
});
