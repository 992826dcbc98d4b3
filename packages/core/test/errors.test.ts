import { describe, expect, it } from 'vitest';
import {
  AuthorizeError,
  BearerError,
  ConfigurationError,
  RateLimitError,
  RegistrationError,
  StorageFullError,
  TokenError,
  TokenInvalidError,
  UpstreamError,
  errorResponse,
  isAuthError,
  type AnyAuthError,
} from '../src/index.js';
import { bearerChallenge } from '../src/errors/response.js';

describe('error classes', () => {
  it('carry stable codes that narrow the union', () => {
    const errors: AnyAuthError[] = [
      new AuthorizeError('access_denied', 'no'),
      new TokenError('invalid_grant'),
      new RegistrationError('invalid_redirect_uri', 'bad'),
      new BearerError('invalid_token'),
      new TokenInvalidError('expired', 'old'),
      new UpstreamError('timeout', 'slow'),
      new ConfigurationError('bad creds'),
      new StorageFullError('as.clients', 12.2),
      new RateLimitError(0.2),
    ];
    const codes = errors.map((e) => {
      switch (e.code) {
        case 'ERR_TOKEN':
          return `${e.code}:${e.error}`;
        case 'ERR_TOKEN_INVALID':
          return `${e.code}:${e.reason}`;
        case 'ERR_STORE_FULL':
          return `${e.code}:${e.collection}:${e.retryAfter}`;
        case 'ERR_RATE_LIMITED':
          return `${e.code}:${e.retryAfter}`;
        default:
          return e.code;
      }
    });
    expect(codes).toEqual([
      'ERR_AUTHORIZE',
      'ERR_TOKEN:invalid_grant',
      'ERR_REGISTRATION',
      'ERR_BEARER',
      'ERR_TOKEN_INVALID:expired',
      'ERR_UPSTREAM',
      'ERR_CONFIGURATION',
      'ERR_STORE_FULL:as.clients:13',
      'ERR_RATE_LIMITED:1',
    ]);
    expect(errors.every(isAuthError)).toBe(true);
    expect(isAuthError(new Error('x'))).toBe(false);
    expect(new TokenError('invalid_client', 'x').name).toBe('TokenError');
  });
});

async function body(res: Response) {
  return res.json() as Promise<Record<string, unknown>>;
}

describe('errorResponse', () => {
  it('answers a full store with 503 and a rate limit with 429, temporarily_unavailable and Retry-After, in every format', async () => {
    const reported: unknown[] = [];
    const full = errorResponse(new StorageFullError('as.refresh', 30), {
      headers: { 'Access-Control-Allow-Origin': '*' },
      onUnexpectedError: (e) => reported.push(e),
    });
    expect(reported).toHaveLength(1);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('30');
    expect(full.headers.get('access-control-allow-origin')).toBe('*');
    expect(full.headers.get('cache-control')).toBe('no-store');
    const fullBody = await body(full);
    expect(fullBody['error']).toBe('temporarily_unavailable');
    expect(JSON.stringify(fullBody)).not.toContain('as.refresh');
    const limited = errorResponse(new RateLimitError(42, 'Too many registrations'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('42');
    expect(await body(limited)).toEqual({ error: 'temporarily_unavailable', error_description: 'Too many registrations' });
    const page = errorResponse(new StorageFullError('proxy-transactions', 5), { format: 'html' });
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('temporarily_unavailable');
    const redirect = errorResponse(new StorageFullError('as.codes', 5), {
      redirect: { redirectUri: 'http://127.0.0.1:1/cb', state: 's', issuer: 'http://127.0.0.1:9' },
    });
    expect(redirect.status).toBe(302);
    expect(new URL(redirect.headers.get('location')!).searchParams.get('error')).toBe('temporarily_unavailable');
  });

  it('maps token errors to RFC 6749 §5.2 statuses and bodies, no-store', async () => {
    const r1 = errorResponse(new TokenError('invalid_grant', 'Code expired'));
    expect(r1.status).toBe(400);
    expect(r1.headers.get('cache-control')).toBe('no-store');
    expect(await body(r1)).toEqual({ error: 'invalid_grant', error_description: 'Code expired' });

    const r2 = errorResponse(new TokenError('invalid_client'), { basicAuthAttempted: true });
    expect(r2.status).toBe(401);
    expect(r2.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await body(r2)).toEqual({ error: 'invalid_client' });

    expect(errorResponse(new TokenError('invalid_client')).headers.get('www-authenticate')).toBeNull();
    expect(errorResponse(new TokenError('server_error')).status).toBe(500);
    expect(errorResponse(new TokenError('temporarily_unavailable')).status).toBe(503);
    expect(errorResponse(new RegistrationError('invalid_client_metadata')).status).toBe(400);
  });

  it('maps bearer errors to 400/401/403 with a challenge', async () => {
    const md = 'https://api.example.com/.well-known/oauth-protected-resource/mcp';
    const r401 = errorResponse(new BearerError('invalid_token', 'expired'), { resourceMetadataUrl: md });
    expect(r401.status).toBe(401);
    expect(r401.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="expired", resource_metadata="${md}"`,
    );
    const r403 = errorResponse(new BearerError('insufficient_scope', undefined, { scope: ['a', 'b'] }));
    expect(r403.status).toBe(403);
    expect(r403.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="a b"');
    expect(errorResponse(new BearerError('invalid_request')).status).toBe(400);
    const missing = errorResponse(new BearerError('invalid_token', 'x', { credentialsMissing: true }), {
      resourceMetadataUrl: md,
      scope: ['mcp'],
    });
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer scope="mcp", resource_metadata="${md}"`);
  });

  it('hides internal and upstream details', async () => {
    const seen: unknown[] = [];
    const r = errorResponse(new Error('database password is hunter2'), { onUnexpectedError: (e) => seen.push(e) });
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({ error: 'server_error', error_description: 'Internal server error' });
    expect(seen).toHaveLength(1);
    const up = errorResponse(
      new UpstreamError('oauth_error', 'upstream said x', { status: 400, error: 'invalid_grant', errorDescription: 'secret detail' }),
    );
    expect(up.status).toBe(502);
    expect(await up.text()).not.toContain('secret detail');
  });
});

describe('bearerChallenge', () => {
  it('escapes quotes and backslashes and drops control characters', () => {
    expect(bearerChallenge({ errorDescription: 'say "hi" \\ now\r\nX-Injected: 1', error: 'invalid_token' })).toBe(
      'Bearer error="invalid_token", error_description="say \\"hi\\" \\\\ nowX-Injected: 1"',
    );
    expect(bearerChallenge({})).toBe('Bearer');
    expect(bearerChallenge({ realm: 'mcp', scope: [] })).toBe('Bearer realm="mcp"');
  });
});
