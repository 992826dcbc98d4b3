import { UpstreamError, createBearerGuard, type AnyAuthError } from '@mcpauth/core';
import { toAuthInfo } from '@mcpauth/core/mcp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleTokenVerifier, googleEndpoints, googleTokenRevoker, type GoogleTokenVerifierOptions } from '../src/index.js';
import { ADA, GRACE, startFakeGoogle, type FakeGoogle, type TokenBehaviour } from './fake-google.js';

const CLIENT_ID = '1008719970978-hb24n2dstb40o45d4feuo2ukqmcc6381.apps.googleusercontent.com';
const OTHER_APP = '407408718192.apps.googleusercontent.com';
const EMAIL = 'https://www.googleapis.com/auth/userinfo.email';
const PROFILE = 'https://www.googleapis.com/auth/userinfo.profile';

let google: FakeGoogle;

/** The reason of each reported refusal. */
const reasons = (errors: readonly AnyAuthError[]) => errors.map((e) => ('reason' in e ? e.reason : e.code));

beforeAll(async () => {
  google = await startFakeGoogle();
});
afterAll(() => google.close());

function verifier(extra: Partial<GoogleTokenVerifierOptions> = {}) {
  const errors: AnyAuthError[] = [];
  const v = new GoogleTokenVerifier({
    clientId: CLIENT_ID,
    endpoints: googleEndpoints(google.url),
    onInvalidToken: (e) => void errors.push(e),
    ...extra,
  });
  return { v, errors };
}

/** A token whose answers are `behaviour` with the account, client and scope defaults filled in. */
function token(overrides: Partial<Extract<TokenBehaviour, { kind: 'token' }>> = {}): string {
  const t = google.mint(ADA, CLIENT_ID);
  google.setToken(t, {
    kind: 'token',
    account: ADA,
    clientId: CLIENT_ID,
    scope: `openid ${EMAIL} ${PROFILE}`,
    expiresAt: Math.floor(Date.now() / 1000) + 3599,
    ...overrides,
  });
  return t;
}

function failing(failure: Extract<TokenBehaviour, { kind: 'fail' }>['failure']): string {
  const t = `ya29.failing-${failure}-${Math.random().toString(36).slice(2)}`;
  google.setToken(t, { kind: 'fail', failure });
  return t;
}

describe('GoogleTokenVerifier: valid tokens', () => {
  it('asks tokeninfo (token in the POST body, never in a URL), then userinfo; subject, scopes, expiry and claims', async () => {
    const { v, errors } = verifier({ now: () => 1_000 });
    const t = token({ expiresAt: Math.floor(Date.now() / 1000) + 1200 });
    const before = google.requests.length;
    const result = await v.verifyToken(t);
    expect(result).toEqual({
      token: t,
      clientId: CLIENT_ID,
      subject: ADA.sub,
      scopes: ['openid', EMAIL, PROFILE, 'email', 'profile'],
      expiresAt: expect.any(Number),
      claims: { sub: ADA.sub, email: ADA.email, email_verified: true, name: ADA.name, picture: ADA.picture },
    });
    // expires_in is counted by the fake when it answers: a second may have passed since the token was made
    expect(result!.expiresAt).toBeGreaterThanOrEqual(1_000 + 1198);
    expect(result!.expiresAt).toBeLessThanOrEqual(1_000 + 1200);
    expect(errors).toEqual([]);
    const [info, user] = google.requests.slice(before);
    expect(info).toMatchObject({ method: 'POST', path: '/tokeninfo' });
    expect(new URLSearchParams(info!.body).get('access_token')).toBe(t);
    expect(info!.query.toString()).toBe('');
    expect(user).toMatchObject({ method: 'GET', path: '/v1/userinfo' });
    expect(user!.headers.authorization).toBe(`Bearer ${t}`);
    expect(user!.query.toString()).toBe('');
  });

  it('a Workspace account carries hd; email-only tokens carry no profile', async () => {
    const { v } = verifier();
    const t = token({ account: GRACE, scope: `openid ${EMAIL}` });
    expect((await v.verifyToken(t))?.claims).toEqual({ sub: GRACE.sub, email: GRACE.email, email_verified: true, hd: 'example.com' });
  });

  it('a token without openid, email or profile skips userinfo; without sub it names no user and is refused', async () => {
    const { v, errors } = verifier();
    const drive = token({ scope: 'https://www.googleapis.com/auth/drive.readonly' });
    const calls = google.userInfoCalls();
    expect(await v.verifyToken(drive)).toBeNull();
    expect(google.userInfoCalls()).toBe(calls);
    expect(errors[0]).toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'claim' });
  });

  it('expiresAt stays put from the cache and the MCP SDK adapter keeps it', async () => {
    let now = 1_700_000_000;
    const { v } = verifier({ now: () => now });
    const t = token({ expiresAt: Math.floor(Date.now() / 1000) + 600 });
    const first = await v.verifyToken(t);
    expect(first?.expiresAt).toBe(1_700_000_600);
    now += 60;
    expect((await v.verifyToken(t))?.expiresAt).toBe(1_700_000_600);
    expect(toAuthInfo(first!).expiresAt).toBe(1_700_000_600);
  });
});

describe('GoogleTokenVerifier: refusals', () => {
  it('a token issued to another Google app (aud) is refused, before userinfo is asked', async () => {
    const { v, errors } = verifier();
    const foreign = token({ clientId: OTHER_APP });
    const calls = google.userInfoCalls();
    expect(await v.verifyToken(foreign)).toBeNull();
    expect(google.userInfoCalls()).toBe(calls);
    expect(errors[0]).toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'audience' });
    // the same token is fine for the app it was issued to
    expect(
      (await new GoogleTokenVerifier({ clientId: OTHER_APP, endpoints: googleEndpoints(google.url) }).verifyToken(foreign))?.subject,
    ).toBe(ADA.sub);
  });

  it('azp naming another app is refused too, and so is a token with an azp but no aud', async () => {
    const { v, errors } = verifier();
    expect(await v.verifyToken(token({ azp: OTHER_APP }))).toBeNull();
    expect(await v.verifyToken(token({ omit: ['aud'] }))).toBeNull();
    expect(reasons(errors)).toEqual(['audience', 'audience']);
  });

  it('Google does not know the token (400 invalid_token) → null, reported each time, the verdict cached', async () => {
    const { v, errors } = verifier();
    const calls = google.tokenInfoCalls();
    expect(await v.verifyToken('ya29.unknown-token')).toBeNull();
    expect(await v.verifyToken('ya29.unknown-token')).toBeNull();
    expect(google.tokenInfoCalls()).toBe(calls + 1);
    expect(errors.map((e) => e.code)).toEqual(['ERR_TOKEN_INVALID', 'ERR_TOKEN_INVALID']);
    expect(reasons(errors)).toEqual(['inactive', 'inactive']);
    expect(errors[0]!.message).not.toContain('ya29.unknown-token');
  });

  it('an expired token (Google: 400) → null; an expires_in of 0 → expired', async () => {
    const { v, errors } = verifier();
    expect(await v.verifyToken(token({ expiresAt: Math.floor(Date.now() / 1000) - 1 }))).toBeNull();
    expect(await v.verifyToken(token({ fields: { expires_in: '0' } }))).toBeNull();
    expect(reasons(errors)).toEqual(['inactive', 'expired']);
  });

  it('a token revoked between tokeninfo and userinfo (userinfo 401) → null', async () => {
    const { v, errors } = verifier();
    expect(await v.verifyToken(token({ userinfo: 'revoked' }))).toBeNull();
    expect(errors[0]).toMatchObject({ reason: 'inactive', message: expect.stringContaining('userinfo HTTP 401') });
  });

  it('hostedDomain: only accounts of that Workspace domain (case-insensitive); consumer accounts refused', async () => {
    const { v, errors } = verifier({ hostedDomain: 'Example.com' });
    expect((await v.verifyToken(token({ account: GRACE })))?.claims.hd).toBe('example.com');
    expect(await v.verifyToken(token({ account: ADA }))).toBeNull();
    expect(await v.verifyToken(token({ account: { ...GRACE, hd: 'evil.example' } }))).toBeNull();
    expect(reasons(errors)).toEqual(['claim', 'claim']);
    const several = verifier({ hostedDomain: ['other.org', 'example.com'] }).v;
    expect((await several.verifyToken(token({ account: GRACE })))?.subject).toBe(GRACE.sub);
    // hd needs userinfo: a token that cannot read it cannot prove its domain
    expect(await v.verifyToken(token({ account: GRACE, scope: 'https://www.googleapis.com/auth/drive.readonly' }))).toBeNull();
  });

  it('requireVerifiedEmail: an unverified or absent email is refused', async () => {
    const { v, errors } = verifier({ requireVerifiedEmail: true });
    expect((await v.verifyToken(token()))?.claims.email_verified).toBe(true);
    expect(await v.verifyToken(token({ account: { ...ADA, email_verified: false } }))).toBeNull();
    expect(await v.verifyToken(token({ scope: `openid ${PROFILE}` }))).toBeNull();
    expect(reasons(errors)).toEqual(['claim', 'claim']);
    // without the option, an unverified email is reported as such
    expect((await verifier().v.verifyToken(token({ account: { ...ADA, email_verified: false } })))?.claims.email_verified).toBe(false);
  });

  it('refuses an empty, huge or header-breaking token without calling Google', async () => {
    const { v, errors } = verifier();
    const calls = google.requests.length;
    expect(await v.verifyToken('')).toBeNull();
    expect(await v.verifyToken('y'.repeat(5000))).toBeNull();
    expect(await v.verifyToken('ya29.x\r\nX-Injected: 1')).toBeNull();
    expect(await v.verifyToken('ya29 x')).toBeNull();
    expect(google.requests.length).toBe(calls);
    expect(reasons(errors)).toEqual(['malformed', 'too_large', 'malformed', 'malformed']);
  });
});

describe('GoogleTokenVerifier: outages', () => {
  it.each([
    ['rate_limited', 429],
    ['quota', 403],
  ] as const)('tokeninfo %s (HTTP %i) → UpstreamError naming the rate limit, not reported, not cached', async (failure, status) => {
    const { v, errors } = verifier();
    const t = failing(failure);
    const calls = google.tokenInfoCalls();
    await expect(v.verifyToken(t)).rejects.toMatchObject({ code: 'ERR_UPSTREAM', status, message: expect.stringMatching(/rate limit/) });
    await expect(v.verifyToken(t)).rejects.toBeInstanceOf(UpstreamError);
    expect(google.tokenInfoCalls()).toBe(calls + 2);
    expect(errors).toEqual([]);
  });

  it.each([
    ['server_error', { reason: 'http_status', status: 503 }],
    ['malformed', { reason: 'invalid_body' }],
    ['not_an_object', { reason: 'invalid_body' }],
  ] as const)('tokeninfo %s → UpstreamError', async (failure, expected) => {
    const { v, errors } = verifier();
    await expect(v.verifyToken(failing(failure))).rejects.toMatchObject({ code: 'ERR_UPSTREAM', ...expected });
    expect(errors).toEqual([]);
  });

  it('a tokeninfo that never answers → UpstreamError timeout, without the token', async () => {
    const { v } = verifier({ timeoutMs: 150 });
    const t = failing('hang');
    const err = (await v.verifyToken(t).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toMatchObject({ code: 'ERR_UPSTREAM', reason: 'timeout' });
    expect(JSON.stringify({ m: err.message, c: String(err.cause) })).not.toContain(t);
  });

  it.each(['rate_limited', 'server_error', 'malformed', 'hang'] as const)('userinfo %s → UpstreamError', async (failure) => {
    const { v, errors } = verifier({ timeoutMs: 300 });
    await expect(v.verifyToken(token({ userinfo: failure }))).rejects.toMatchObject({ code: 'ERR_UPSTREAM' });
    expect(errors).toEqual([]);
  });

  it('userinfo naming another user than tokeninfo → UpstreamError invalid_body', async () => {
    const { v } = verifier();
    await expect(v.verifyToken(token({ userinfo: 'other_sub' }))).rejects.toMatchObject({ reason: 'invalid_body' });
  });

  it('a tokeninfo answer without expires_in or without any audience → UpstreamError invalid_body', async () => {
    const { v } = verifier();
    await expect(v.verifyToken(token({ omit: ['expires_in'] }))).rejects.toMatchObject({ reason: 'invalid_body' });
    await expect(v.verifyToken(token({ fields: { expires_in: 'soon' } }))).rejects.toMatchObject({ reason: 'invalid_body' });
    await expect(v.verifyToken(token({ omit: ['aud', 'azp'] }))).rejects.toMatchObject({ reason: 'invalid_body' });
  });

  it('an oversized answer → UpstreamError too_large', async () => {
    const { v } = verifier({ maxResponseBytes: 64 });
    await expect(v.verifyToken(token())).rejects.toMatchObject({ reason: 'too_large' });
  });
});

describe('GoogleTokenVerifier: cache', () => {
  it('reuses a verdict for ttlSeconds, never past the token expiry', async () => {
    let now = 5_000;
    const { v, errors } = verifier({ now: () => now, cache: { ttlSeconds: 300 } });
    const t = token({ expiresAt: Math.floor(Date.now() / 1000) + 30 });
    const calls = google.tokenInfoCalls();
    await v.verifyToken(t);
    now += 29;
    expect((await v.verifyToken(t))?.subject).toBe(ADA.sub);
    expect(google.tokenInfoCalls()).toBe(calls + 1);
    now += 2; // past the token's 30 s, well within ttlSeconds: asked again
    google.advance(31);
    try {
      expect(await v.verifyToken(t)).toBeNull();
    } finally {
      google.advance(-31);
    }
    expect(google.tokenInfoCalls()).toBe(calls + 2);
    expect(reasons(errors)).toEqual(['inactive']);
  });

  it('collapses concurrent checks of one token into one tokeninfo and one userinfo call', async () => {
    const { v } = verifier();
    const t = token();
    const [info, user] = [google.tokenInfoCalls(), google.userInfoCalls()];
    const results = await Promise.all(Array.from({ length: 20 }, () => v.verifyToken(t)));
    expect(results.every((r) => r?.subject === ADA.sub && r.token === t)).toBe(true);
    expect([google.tokenInfoCalls() - info, google.userInfoCalls() - user]).toEqual([1, 1]);
  });

  it('hands each caller its own copy', async () => {
    const { v } = verifier();
    const t = token();
    const a = await v.verifyToken(t);
    a!.scopes.push('admin');
    a!.claims.email = 'mallory@example.com';
    const b = await v.verifyToken(t);
    expect(b!.scopes).not.toContain('admin');
    expect(b!.claims.email).toBe(ADA.email);
  });
});

describe('GoogleTokenVerifier: options and the bearer guard', () => {
  it('refuses bad options at construction', () => {
    const endpoints = googleEndpoints(google.url);
    expect(() => new GoogleTokenVerifier({} as never)).toThrow(/clientId is required/);
    expect(() => new GoogleTokenVerifier({ clientId: '' })).toThrow(TypeError);
    expect(() => new GoogleTokenVerifier({ clientId: CLIENT_ID, endpoints, hostedDomain: [] })).toThrow(/hostedDomain/);
    expect(() => new GoogleTokenVerifier({ clientId: CLIENT_ID, endpoints, hostedDomain: 'not a domain' })).toThrow(/hostedDomain/);
    expect(() => new GoogleTokenVerifier({ clientId: CLIENT_ID, endpoints, requireVerifiedEmail: 'yes' as never })).toThrow(
      /requireVerifiedEmail/,
    );
    expect(() => new GoogleTokenVerifier({ clientId: CLIENT_ID, endpoints, cache: { ttlSeconds: 0 } })).toThrow(TypeError);
    expect(() => new GoogleTokenVerifier({ clientId: CLIENT_ID, endpoints, now: 5 as never })).toThrow(/now must be a function/);
    expect(() => new GoogleTokenVerifier({ clientId: CLIENT_ID, endpoints, onInvalidToken: 'log' as never })).toThrow(TypeError);
  });

  it('sends tokens only over https (http only on loopback)', () => {
    expect(() => new GoogleTokenVerifier({ clientId: CLIENT_ID, endpoints: googleEndpoints('http://127.0.0.1:9') })).not.toThrow();
    expect(() => googleEndpoints('http://google.example.com')).toThrow(/must use https/);
    expect(() => googleEndpoints('https://google.example.com/?x=1')).toThrow(/query/);
    expect(
      () =>
        new GoogleTokenVerifier({
          clientId: CLIENT_ID,
          endpoints: { tokenInfoEndpoint: 'http://tokeninfo.example.com/', userInfoEndpoint: 'https://ok.example.com/' },
        }),
    ).toThrow(/tokenInfoEndpoint must use https/);
    expect(() => googleTokenRevoker('http://revoke.example.com')).toThrow(/must use https/);
    expect(googleEndpoints()).toEqual({
      authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenEndpoint: 'https://oauth2.googleapis.com/token',
      revocationEndpoint: 'https://oauth2.googleapis.com/revoke',
      tokenInfoEndpoint: 'https://oauth2.googleapis.com/tokeninfo',
      userInfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
    });
  });

  it('behind the bearer guard: valid → token, another app’s token → 401, missing scope → 403, rate limit → 502', async () => {
    const guard = createBearerGuard({
      verifier: new GoogleTokenVerifier({ clientId: CLIENT_ID, endpoints: googleEndpoints(google.url), requiredScopes: ['email'] }),
      dangerouslyAcceptAnyAudience: true,
    });
    const req = (t: string) => new Request('http://localhost/mcp', { headers: { authorization: `Bearer ${t}` } });
    expect(await guard(req(token()))).toMatchObject({ subject: ADA.sub });
    expect(((await guard(req(token({ clientId: OTHER_APP })))) as Response).status).toBe(401);
    expect(((await guard(req(token({ scope: `openid ${PROFILE}` })))) as Response).status).toBe(403);
    expect(((await guard(req(failing('rate_limited')))) as Response).status).toBe(502);
  });
});

describe('googleTokenRevoker', () => {
  it('POSTs the token to the revocation endpoint; an already revoked token counts as done; a 5xx is an UpstreamError', async () => {
    const revoke = googleTokenRevoker(googleEndpoints(google.url).revocationEndpoint);
    const t = token();
    const endpoints = googleEndpoints(google.url);
    const args = { tokenTypeHint: 'access_token' as const, clientId: CLIENT_ID, clientSecret: 's', endpoints, http: undefined };
    await revoke({ token: t, ...args });
    const seen = google.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', path: '/revoke' });
    expect(new URLSearchParams(seen.body).get('token')).toBe(t);
    await revoke({ token: t, ...args }); // 400 invalid_token: already gone
    const down = await listenDown();
    try {
      await expect(googleTokenRevoker(`${down.url}/revoke`)({ token: t, ...args })).rejects.toMatchObject({
        code: 'ERR_UPSTREAM',
        status: 503,
      });
    } finally {
      await down.close();
    }
  });
});

async function listenDown() {
  const { listen } = await import('@mcpauth/testing');
  return listen((_req, res) => {
    res.writeHead(503).end();
  });
}
