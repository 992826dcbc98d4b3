import { listen, type Listening } from '@mcpauth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/index.js';
import { UpstreamClient, parseTokenResponse } from '../../src/proxy/upstream.js';

describe('parseTokenResponse', () => {
  it('accepts a standard response and numeric strings', () => {
    const r = parseTokenResponse(
      { access_token: 'a', token_type: 'bearer', expires_in: '3600', refresh_token: 'r', refresh_token_expires_in: 100 },
      200,
    );
    expect(r).toMatchObject({ accessToken: 'a', expiresIn: 3600, refreshToken: 'r', refreshTokenExpiresIn: 100 });
  });

  it('turns an error body with status 200 (GitHub) into an UpstreamError', () => {
    expect(() => parseTokenResponse({ error: 'bad_verification_code', error_description: 'The code passed is incorrect' }, 200)).toThrow(
      expect.objectContaining({ reason: 'oauth_error', error: 'bad_verification_code' }),
    );
  });

  it('refuses bodies without an access token or with another token type', () => {
    expect(() => parseTokenResponse({ token_type: 'bearer' }, 200)).toThrow(UpstreamError);
    expect(() => parseTokenResponse({ access_token: 'a', token_type: 'DPoP' }, 200)).toThrow(UpstreamError);
    expect(() => parseTokenResponse({ access_token: 'a', refresh_token: 42 }, 200)).toThrow(UpstreamError);
  });
});

describe('UpstreamClient', () => {
  let server: Listening | undefined;
  let seen: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let reply: () => { status: number; body: string; hang?: boolean };
  afterEach(async () => {
    await server?.close();
    server = undefined;
    seen = [];
  });
  async function upstream() {
    server = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        const r = reply();
        if (r.hang) return;
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(r.body);
      });
    });
    return server;
  }
  const client = (url: string, overrides: Partial<ConstructorParameters<typeof UpstreamClient>[0]> = {}) =>
    new UpstreamClient({
      endpoints: { authorizationEndpoint: `${url}/authorize`, tokenEndpoint: `${url}/token`, revocationEndpoint: `${url}/revoke` },
      clientId: 'id:with space',
      clientSecret: 's&cret+/',
      authMethod: 'client_secret_basic',
      redirectUri: 'https://mcp.example.com/auth/callback',
      extraTokenParams: { audience: 'https://api.example.com' },
      ...overrides,
    });

  it('authenticates with form-encoded HTTP Basic and sends the code, verifier and extra parameters', async () => {
    reply = () => ({ status: 200, body: JSON.stringify({ access_token: 'up', token_type: 'Bearer' }) });
    const s = await upstream();
    await client(s.url).exchangeCode({
      code: 'c1',
      codeVerifier: 'v'.repeat(43),
      scopes: ['openid', 'x'],
      resource: 'https://mcp.example.com/mcp',
    });
    const form = new URLSearchParams(seen[0]!.body);
    expect(seen[0]!.headers['authorization']).toBe(`Basic ${btoa('id%3Awith+space:s%26cret%2B%2F')}`);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'authorization_code',
      code: 'c1',
      redirect_uri: 'https://mcp.example.com/auth/callback',
      code_verifier: 'v'.repeat(43),
      scope: 'openid x',
      resource: 'https://mcp.example.com/mcp',
      audience: 'https://api.example.com',
    });
  });

  it('client_secret_post puts the credentials in the body', async () => {
    reply = () => ({ status: 200, body: JSON.stringify({ access_token: 'up' }) });
    const s = await upstream();
    await client(s.url, { authMethod: 'client_secret_post' }).refresh({ refreshToken: 'r' });
    expect(seen[0]!.headers['authorization']).toBeUndefined();
    expect(new URLSearchParams(seen[0]!.body).get('client_secret')).toBe('s&cret+/');
  });

  it('reports OAuth error bodies, other statuses, oversized and slow answers', async () => {
    const s = await upstream();
    reply = () => ({ status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: 'expired' }) });
    await expect(client(s.url).refresh({ refreshToken: 'r' })).rejects.toMatchObject({
      reason: 'oauth_error',
      error: 'invalid_grant',
      status: 400,
    });
    reply = () => ({ status: 502, body: '<html>bad gateway</html>' });
    await expect(client(s.url).refresh({ refreshToken: 'r' })).rejects.toMatchObject({ reason: 'http_status', status: 502 });
    reply = () => ({ status: 200, body: JSON.stringify({ access_token: 'x'.repeat(5000) }) });
    await expect(client(s.url, { http: { maxResponseBytes: 1024 } }).refresh({ refreshToken: 'r' })).rejects.toMatchObject({
      reason: 'too_large',
    });
    reply = () => ({ status: 200, body: '', hang: true });
    await expect(client(s.url, { http: { timeoutMs: 150 } }).refresh({ refreshToken: 'r' })).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('revokes with a token type hint, and does nothing without a revocation endpoint', async () => {
    reply = () => ({ status: 200, body: '' });
    const s = await upstream();
    expect(await client(s.url).revoke('up-refresh', 'refresh_token')).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({ token: 'up-refresh', token_type_hint: 'refresh_token' });
    const none = client(s.url, { endpoints: { authorizationEndpoint: `${s.url}/a`, tokenEndpoint: `${s.url}/t` } });
    expect(await none.revoke('x', 'access_token')).toBe(false);
    expect(seen).toHaveLength(1);
  });
});
