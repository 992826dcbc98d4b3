/**
 * The `logger` option: each event with its fields and level, configuration problems once, the
 * default (configuration problems only, to console.warn) and `logger: false`, and the `onError`
 * hook typed as the union of the packages' errors.
 */
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  type AuthError,
  UnexpectedError,
  UpstreamError,
  createBearerGuard,
  type AnyAuthError,
  type AuthorizationServerOptions,
  type BearerGuardOptions,
  type Logger,
  type MultiAuthOptions,
  type OAuthProxyOptions,
  type RemoteAuthProviderOptions,
  type TokenVerifier,
} from '../../src/index.js';
import { createReporter } from '../../src/kit.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { OIDCProxy } from '../../src/proxy/oidc-proxy.js';
import { direct, form, register, REDIRECT } from '../authorization-server/fixtures.js';
import { capturingLogger } from './capture.js';
import { authorizeAndExchange, proxyOptions, startUpstream, testClient } from '../proxy/helpers.js';

const RESOURCE = 'http://127.0.0.1:9999/mcp';
const bearer = (token: string) => new Request(RESOURCE, { headers: { authorization: `Bearer ${token}` } });

function guardOver(verify: TokenVerifier['verifyToken'], extra: Partial<BearerGuardOptions> = {}) {
  const logger = capturingLogger();
  const errors: AnyAuthError[] = [];
  const guard = createBearerGuard({
    verifier: { verifyToken: verify },
    expectedResource: RESOURCE,
    requiredScopes: ['read'],
    logger,
    onError: (err) => errors.push(err),
    ...(extra as object),
  });
  return { guard, logger, errors };
}

afterEach(() => vi.restoreAllMocks());

describe('bearer guard events', () => {
  it('token_refused at debug, with the reason of each refusal', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tokens: Record<string, Awaited<ReturnType<TokenVerifier['verifyToken']>>> = {
      unknown: null,
      expired: { token: 'expired', clientId: 'c', scopes: ['read'], expiresAt: now - 10, resource: RESOURCE, claims: {} },
      foreign: { token: 'foreign', clientId: 'c', scopes: ['read'], resource: 'https://other.example/mcp', claims: {} },
      narrow: { token: 'narrow', clientId: 'c', scopes: [], resource: RESOURCE, claims: {} },
    };
    const { guard, logger, errors } = guardOver(async (t) => tokens[t] ?? null);
    for (const t of Object.keys(tokens)) expect(await guard(bearer(t))).toBeInstanceOf(Response);
    expect(await guard(new Request(RESOURCE, { headers: { authorization: 'Basic abc' } }))).toBeInstanceOf(Response);
    expect(logger.lines.map((l) => [l.level, l.fields?.event, l.fields?.reason, l.fields?.source])).toEqual([
      ['debug', 'token_refused', 'invalid_token', 'createBearerGuard'],
      ['debug', 'token_refused', 'expired', 'createBearerGuard'],
      ['debug', 'token_refused', 'audience', 'createBearerGuard'],
      ['debug', 'token_refused', 'insufficient_scope', 'createBearerGuard'],
      ['debug', 'token_refused', 'invalid_request', 'createBearerGuard'],
    ]);
    // the hook heard the same refusals
    expect(errors.map((e) => e.code)).toEqual(Array(5).fill('ERR_BEARER'));
  });

  it('a request without credentials is no refusal worth a line', async () => {
    const { guard, logger } = guardOver(async () => null);
    expect(((await guard(new Request(RESOURCE))) as Response).status).toBe(401);
    expect(logger.lines).toEqual([]);
  });

  it('upstream_failed at warn for an outage, unexpected_error at error (name only) for anything else', async () => {
    const outage = guardOver(async () => {
      throw new UpstreamError('http_status', 'Upstream returned HTTP 503', { status: 503 });
    });
    expect(((await outage.guard(bearer('t'))) as Response).status).toBe(502);
    expect(outage.logger.lines).toEqual([
      {
        level: 'warn',
        message: 'createBearerGuard: Upstream returned HTTP 503',
        fields: { event: 'upstream_failed', source: 'createBearerGuard', reason: 'http_status', status: 503 },
      },
    ]);

    const bug = guardOver(async () => {
      throw new TypeError('secret-ish detail from a request body');
    });
    expect(((await bug.guard(bearer('t'))) as Response).status).toBe(500);
    expect(bug.logger.lines).toHaveLength(1);
    expect(bug.logger.lines[0]).toMatchObject({ level: 'error', fields: { event: 'unexpected_error', errorName: 'TypeError' } });
    expect(JSON.stringify(bug.logger.lines)).not.toContain('secret-ish');
    // the hook gets one of ours, the original as its cause
    expect(bug.errors[0]).toBeInstanceOf(UnexpectedError);
    expect((bug.errors[0]!.cause as Error).message).toBe('secret-ish detail from a request body');
  });

  it('a throwing or rejecting logger and hook change no answer', async () => {
    const throwing: Logger = {
      debug: () => {
        throw new Error('logger down');
      },
      info: () => undefined,
      warn: () => Promise.reject(new Error('async logger down')) as unknown as void,
      error: () => undefined,
    };
    const guard = createBearerGuard({
      verifier: { verifyToken: async () => null },
      expectedResource: RESOURCE,
      logger: throwing,
      onError: () => {
        throw new Error('hook down');
      },
    });
    expect(((await guard(bearer('t'))) as Response).status).toBe(401);
  });

  it('a logger of the wrong shape is a TypeError at construction', () => {
    const verifier = { verifyToken: async () => null };
    expect(() => createBearerGuard({ verifier, expectedResource: RESOURCE, logger: { info() {} } as unknown as Logger })).toThrow(
      /createBearerGuard: logger must have debug, info, warn and error/,
    );
    expect(() => createBearerGuard({ verifier, expectedResource: RESOURCE, onError: 'no' as never })).toThrow(TypeError);
  });
});

describe('report.line', () => {
  it('logs at the given level with its event and fields, every time, not to the hook; without a logger nothing', () => {
    const logger = capturingLogger();
    const heard: unknown[] = [];
    const report = createReporter({ source: 'Store', logger, hook: (e: unknown) => heard.push(e) });
    report.line('warn', 'store_unreachable', 'connection lost', { reason: 'network' });
    report.line('info', 'store_reconnected', 'connection back');
    report.line('warn', 'store_unreachable', 'connection lost', { reason: 'network' });
    expect(logger.lines).toEqual([
      { level: 'warn', message: 'Store: connection lost', fields: { event: 'store_unreachable', source: 'Store', reason: 'network' } },
      { level: 'info', message: 'Store: connection back', fields: { event: 'store_reconnected', source: 'Store' } },
      { level: 'warn', message: 'Store: connection lost', fields: { event: 'store_unreachable', source: 'Store', reason: 'network' } },
    ]);
    expect(heard).toEqual([]);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    createReporter({ source: 'Store' }).line('warn', 'store_unreachable', 'connection lost');
    expect(warn).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
  });
});

describe('configuration problems', () => {
  it('are logged once per problem at warn', () => {
    const logger = capturingLogger();
    const report = createReporter({ source: 'Test', logger });
    report.problem('jwks_not_found', 'JWKS answers 404');
    report.problem('jwks_not_found', 'JWKS answers 404');
    report.problem('issuer_mismatch', 'issuer differs', { expected: ['a'] });
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'Test: JWKS answers 404',
        fields: { event: 'configuration_problem', source: 'Test', problem: 'jwks_not_found' },
      },
      {
        level: 'warn',
        message: 'Test: issuer differs',
        fields: { event: 'configuration_problem', source: 'Test', problem: 'issuer_mismatch', expected: ['a'] },
      },
    ]);
  });

  it('without a logger they reach console.warn (once), and nothing else does; logger: false silences them', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const report = createReporter({ source: 'Test' });
    report.problem('p', 'misconfigured');
    report.problem('p', 'misconfigured');
    report(new UpstreamError('timeout', 'timed out'));
    report(new TypeError('bug'));
    const guard = createBearerGuard({ verifier: { verifyToken: async () => null }, expectedResource: RESOURCE });
    await guard(bearer('t'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith('Test: misconfigured', { event: 'configuration_problem', source: 'Test', problem: 'p' });
    expect(debug).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();

    warn.mockClear();
    createReporter({ source: 'Quiet', logger: false }).problem('p', 'misconfigured');
    expect(warn).not.toHaveBeenCalled();
  });

  it('the OAuth proxy without jwtSigningKey says so through its logger, with its problem name', () => {
    const logger = capturingLogger();
    new OAuthProxy({
      upstream: {
        authorizationEndpoint: 'https://idp.example.com/authorize',
        tokenEndpoint: 'https://idp.example.com/token',
        clientId: 'mcp',
        clientSecret: 'upstream-secret-0123456789abcdef0123456789',
        verifier: { verifyToken: async () => null },
      },
      baseUrl: 'https://mcp.example.com',
      logger,
    });
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: 'warn',
      fields: { event: 'configuration_problem', source: 'OAuthProxy', problem: 'no_signing_key' },
    });
    expect(JSON.stringify(logger.lines)).not.toContain('upstream-secret');
  });
});

describe('OAuth proxy events', () => {
  it('upstream refusing our client credentials: upstream_failed, and configuration_problem once', async () => {
    const base = 'http://127.0.0.1:8957';
    const h = await startUpstream(`${base}/auth/callback`);
    try {
      const logger = capturingLogger();
      const wrong = 'wrong-upstream-secret-0123456789abcdef';
      const proxy = new OAuthProxy(proxyOptions(h, base, { upstream: { clientSecret: wrong }, logger }));
      const client = testClient();
      await proxy.registerClient(client);
      for (let i = 0; i < 2; i++) await expect(authorizeAndExchange(proxy, h, client)).rejects.toThrow(/no code/);
      expect(logger.lines.filter((l) => l.fields?.event === 'upstream_failed').map((l) => l.fields?.error)).toEqual([
        'invalid_client',
        'invalid_client',
      ]);
      const problems = logger.lines.filter((l) => l.fields?.event === 'configuration_problem');
      expect(problems.map((l) => [l.level, l.fields?.problem])).toEqual([['warn', 'upstream_client_rejected']]);
      expect(JSON.stringify(logger.lines)).not.toContain(wrong);
    } finally {
      await h.close();
    }
  });
});

describe('OIDC proxy', () => {
  it('hands its logger to the verifier factory', async () => {
    const base = 'http://127.0.0.1:8958';
    const h = await startUpstream(`${base}/auth/callback`);
    try {
      const logger = capturingLogger();
      const given: unknown[] = [];
      const proxy = new OIDCProxy({
        upstream: {
          configUrl: `${h.issuer}/.well-known/openid-configuration`,
          clientId: 'mcp-proxy',
          clientSecret: 'upstream-secret-0123456789abcdef0123456789',
          verifier: (context) => {
            given.push(context.logger);
            return { verifyToken: async () => null };
          },
        },
        baseUrl: base,
        logger,
      });
      await proxy.ready();
      expect(given).toEqual([logger]);
    } finally {
      await h.close();
    }
  });
});

describe('authorization server events', () => {
  it('registration_refused, request_refused and rate_limited at debug, with the OAuth error', async () => {
    const logger = capturingLogger();
    const d = direct({ server: { logger, clientRegistration: { rateLimit: { max: 2, windowSeconds: 60 } } } });
    const refused = await d.fetch('/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://evil.example/cb'] }),
    });
    expect(refused.status).toBe(400);
    const client = await register(d);
    const limited = await d.fetch('/register', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(limited.status).toBe(429);
    const badCode = await d.fetch(
      '/token',
      form({
        grant_type: 'authorization_code',
        client_id: client.client_id,
        code: 'nope',
        code_verifier: 'x'.repeat(43),
        redirect_uri: REDIRECT,
      }),
    );
    expect(badCode.status).toBe(400);
    expect(logger.lines.map((l) => [l.level, l.fields?.event, l.fields?.error])).toEqual([
      ['debug', 'registration_refused', 'invalid_redirect_uri'],
      ['debug', 'rate_limited', undefined],
      ['debug', 'request_refused', 'invalid_grant'],
    ]);
    expect(logger.lines[0]!.fields).toMatchObject({ source: 'createAuthorizationServer', description: expect.any(String) });
  });
});

describe('onError is typed as the union of the packages errors', () => {
  it('narrows with instanceof and code, without casts', () => {
    type Hook<T> = T extends { onError?: infer H } ? NonNullable<H> : never;
    expectTypeOf<Parameters<Hook<BearerGuardOptions>>[0]>().toEqualTypeOf<AnyAuthError>();
    expectTypeOf<Parameters<Hook<AuthorizationServerOptions>>[0]>().toEqualTypeOf<AnyAuthError>();
    expectTypeOf<Parameters<Hook<OAuthProxyOptions>>[0]>().toEqualTypeOf<AnyAuthError>();
    expectTypeOf<Parameters<Hook<RemoteAuthProviderOptions>>[0]>().toEqualTypeOf<AnyAuthError>();
    expectTypeOf<Parameters<Hook<MultiAuthOptions>>[0]>().toEqualTypeOf<AnyAuthError>();
    const onError: NonNullable<OAuthProxyOptions['onError']> = (err) => {
      expectTypeOf(err).toMatchTypeOf<AuthError>();
      if (err instanceof UpstreamError) expectTypeOf(err.reason).toEqualTypeOf<UpstreamError['reason']>();
      switch (err.code) {
        case 'ERR_TOKEN_INVALID':
          expectTypeOf(err.reason).toEqualTypeOf<import('../../src/index.js').TokenInvalidReason>();
          break;
        case 'ERR_UNEXPECTED':
          expectTypeOf(err).toEqualTypeOf<UnexpectedError>();
          break;
      }
    };
    onError(new UpstreamError('timeout', 'x'));
  });
});
