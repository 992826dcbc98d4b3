import { describe, expect, it } from 'vitest';
import {
  AuthorizeError,
  BearerError,
  ConfigurationError,
  RegistrationError,
  TokenError,
  TokenInvalidError,
  UpstreamError,
  bearerChallenge,
  errorResponse,
  isAuthError,
  type AnyAuthError,
} from '../src/index.js';

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
    ];
    const codes = errors.map((e) => {
      switch (e.code) {
        case 'ERR_TOKEN':
          return `${e.code}:${e.error}`;
        case 'ERR_TOKEN_INVALID':
          return `${e.code}:${e.reason}`;
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
    expect(r401.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="expired", resource_metadata="${md}"`);
    const r403 = errorResponse(new BearerError('insufficient_scope', undefined, { scope: ['a', 'b'] }));
    expect(r403.status).toBe(403);
    expect(r403.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="a b"');
    expect(errorResponse(new BearerError('invalid_request')).status).toBe(400);
    const missing = errorResponse(new BearerError('invalid_token', 'x', { credentialsMissing: true }), { resourceMetadataUrl: md, scope: ['mcp'] });
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
    const up = errorResponse(new UpstreamError('oauth_error', 'upstream said x', { status: 400, error: 'invalid_grant', errorDescription: 'secret detail' }));
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
