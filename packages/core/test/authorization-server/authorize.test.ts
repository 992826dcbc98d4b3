import { describe, expect, it } from 'vitest';
import { AuthorizeError, errorResponse } from '../../src/index.js';
import { REDIRECT, SCOPE, direct, form, pkce, register, type Direct } from './fixtures.js';

function authorizeQuery(clientId: string, extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    state: 'st-1',
    ...extra,
  }).toString();
}

/** An error page: HTML, never a redirect, not frameable. */
async function expectPage(res: Response, text: string, status = 400): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toContain('text/html');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
  expect(await res.text()).toContain(text);
}

/** An error redirect to the client with state and iss. */
function expectRedirectError(d: Direct, res: Response, error: string, state: string | null = 'st-1'): URLSearchParams {
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('state')).toBe(state);
  expect(location.searchParams.get('iss')).toBe(d.issuer);
  expect(location.searchParams.get('code')).toBeNull();
  return location.searchParams;
}

describe('authorization endpoint', () => {
  it('redirects with a code, the state and iss (RFC 9207), without CORS', async () => {
    const d = direct();
    const client = await register(d);
    const res = await d.fetch(`/authorize?${authorizeQuery(client.client_id, { scope: SCOPE })}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('iss')).toBe(d.issuer);
  });

  it('accepts POST with a form body', async () => {
    const d = direct();
    const client = await register(d);
    const res = await d.fetch('/authorize', form(Object.fromEntries(new URLSearchParams(authorizeQuery(client.client_id)))));
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('lets a client ask for supported scopes beyond its registered one (MCP step-up), never unsupported ones', async () => {
    const d = direct();
    const client = await register(d, { scope: SCOPE });
    const stepUp = await d.fetch(`/authorize?${authorizeQuery(client.client_id, { scope: `${SCOPE} mcp:admin` })}`);
    expect(stepUp.status).toBe(302);
    const code = new URL(stepUp.headers.get('location')!).searchParams.get('code')!;
    expect(code).toBeTruthy();
    expect((await d.provider.loadAuthorizationCode(client, code))?.scopes.sort()).toEqual([SCOPE, 'mcp:admin'].sort());
    expectRedirectError(d, await d.fetch(`/authorize?${authorizeQuery(client.client_id, { scope: `${SCOPE} root` })}`), 'invalid_scope');
  });

  it('keeps the query string of a registered redirect URI', async () => {
    const d = direct();
    const uri = 'https://app.example.com/cb?tenant=a%20b&x';
    const client = await register(d, { redirect_uris: [uri] });
    const res = await d.fetch(`/authorize?${authorizeQuery(client.client_id, { redirect_uri: uri })}`);
    const location = res.headers.get('location')!;
    expect(location.startsWith(`${uri}&code=`)).toBe(true);
  });

  it('matches loopback redirect URIs on any port, and nothing else loosely (RFC 8252 §7.3)', async () => {
    const d = direct();
    const client = await register(d, {
      redirect_uris: ['http://127.0.0.1/callback', 'http://localhost:5000/cb', 'https://app.example.com/cb'],
    });
    const ok = async (uri: string) => (await d.fetch(`/authorize?${authorizeQuery(client.client_id, { redirect_uri: uri })}`)).status;
    expect(await ok('http://127.0.0.1:53121/callback')).toBe(302);
    expect(await ok('http://localhost:61000/cb')).toBe(302);
    expect(await ok('https://app.example.com/cb')).toBe(302);
    for (const bad of [
      'http://127.0.0.1:53121/other',
      'http://127.0.0.1:53121/callback?x=1',
      'http://localhost:5000/callback',
      'http://[::1]:5000/cb',
      'https://app.example.com:8443/cb',
      'https://app.example.com/cb/',
      'https://APP.example.com/cb',
      'https://app.example.com/cb?x=1',
    ]) {
      const res = await d.fetch(`/authorize?${authorizeQuery(client.client_id, { redirect_uri: bad })}`);
      await expectPage(res, 'redirect_uri is not registered');
    }
  });

  it.each([
    ['userinfo making localhost the user name', 'http://localhost@evil.example/cb'],
    ['userinfo on the loopback IP', 'http://127.0.0.1:7777@evil.example/callback'],
    ['a look-alike host', 'http://127.0.0.1.evil.example:7777/callback'],
    ['another site', 'https://evil.example/callback'],
    ['a javascript: URI', 'javascript:alert(document.domain)'],
    ['a protocol-relative URI', '//evil.example/callback'],
    ['a backslash trick', 'http://127.0.0.1:7777\\@evil.example/callback'],
    ['a fragment', `${REDIRECT}#x`],
  ])('never redirects to %s (open redirect)', async (_name, uri) => {
    const d = direct();
    const client = await register(d, { redirect_uris: ['http://localhost/cb', REDIRECT] });
    await expectPage(
      await d.fetch(`/authorize?${authorizeQuery(client.client_id, { redirect_uri: uri })}`),
      'redirect_uri is not registered',
    );
  });

  it('shows a page for an unknown or missing client, even with a valid-looking redirect URI', async () => {
    const d = direct();
    await expectPage(await d.fetch(`/authorize?${authorizeQuery('no-such-client')}`), 'Unknown client');
    await expectPage(await d.fetch(`/authorize?${authorizeQuery('')}`), 'client_id is required');
  });

  it('shows a page when client_id or redirect_uri is sent twice', async () => {
    const d = direct();
    const client = await register(d);
    const twiceId = `${authorizeQuery(client.client_id)}&client_id=${client.client_id}`;
    await expectPage(await d.fetch(`/authorize?${twiceId}`), 'sent once');
    const twiceRedirect = `${authorizeQuery(client.client_id)}&redirect_uri=${encodeURIComponent('https://evil.example/')}`;
    await expectPage(await d.fetch(`/authorize?${twiceRedirect}`), 'sent once');
  });

  it('uses the only registered redirect URI when none is sent, and needs one when several are registered', async () => {
    const d = direct();
    const one = await register(d);
    const query = new URLSearchParams(authorizeQuery(one.client_id));
    query.delete('redirect_uri');
    const res = await d.fetch(`/authorize?${query}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')!.startsWith(`${REDIRECT}?code=`)).toBe(true);
    const two = await register(d, { redirect_uris: [REDIRECT, 'https://app.example.com/cb'] });
    query.set('client_id', two.client_id);
    await expectPage(await d.fetch(`/authorize?${query}`), 'redirect_uri is required');
  });

  it('shows a page for a POST with a wrong content type or an oversized body', async () => {
    const d = direct({ server: { maxBodyBytes: 2048 } });
    const client = await register(d);
    const params = Object.fromEntries(new URLSearchParams(authorizeQuery(client.client_id)));
    await expectPage(
      await d.fetch('/authorize', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(params) }),
      'Content-Type',
    );
    await expectPage(await d.fetch('/authorize', form({ ...params, state: 'x'.repeat(4096) })), 'larger than 2048', 413);
  });

  it('answers 405 to other methods', async () => {
    const d = direct();
    expect((await d.fetch('/authorize', { method: 'PUT' })).status).toBe(405);
  });

  describe('once the client and redirect URI are trusted, errors go back to the client', () => {
    it.each([
      ['a missing response_type', { response_type: '' }, 'invalid_request'],
      ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
      ['no code_challenge', { code_challenge: '' }, 'invalid_request'],
      ['the plain PKCE method', { code_challenge_method: 'plain' }, 'invalid_request'],
      ['no PKCE method', { code_challenge_method: '' }, 'invalid_request'],
      ['a malformed challenge', { code_challenge: 'short' }, 'invalid_request'],
      ['an unknown scope', { scope: 'mcp:tools root' }, 'invalid_scope'],
      ['a foreign resource', { resource: 'https://other.example.com/mcp' }, 'invalid_target'],
      ['a relative resource', { resource: '/mcp' }, 'invalid_target'],
      ['a resource with a fragment', { resource: 'http://127.0.0.1:9999/mcp#x' }, 'invalid_target'],
    ])('%s', async (_name, extra, error) => {
      const d = direct();
      const client = await register(d);
      expectRedirectError(d, await d.fetch(`/authorize?${authorizeQuery(client.client_id, extra)}`), error);
    });

    it('a duplicated parameter, with the state dropped when it is the duplicate', async () => {
      const d = direct();
      const client = await register(d);
      expectRedirectError(d, await d.fetch(`/authorize?${authorizeQuery(client.client_id)}&scope=a&scope=b`), 'invalid_request');
      expectRedirectError(d, await d.fetch(`/authorize?${authorizeQuery(client.client_id)}&state=other`), 'invalid_request', null);
    });

    it('a client not registered for the authorization_code grant', async () => {
      const d = direct();
      const client = await register(d);
      await d.provider.registerClient({ ...(await d.provider.getClient(client.client_id))!, grant_types: ['refresh_token'] });
      expectRedirectError(d, await d.fetch(`/authorize?${authorizeQuery(client.client_id)}`), 'unauthorized_client');
    });

    it('a denial from the approval hook is access_denied', async () => {
      const d = direct({ provider: { approve: () => false } });
      const client = await register(d);
      const params = expectRedirectError(d, await d.fetch(`/authorize?${authorizeQuery(client.client_id)}`), 'access_denied');
      expect(params.get('error_description')).toBe('The authorization request was denied');
    });

    it('a provider failure is server_error, reported to onError', async () => {
      const seen: unknown[] = [];
      const d = direct({ server: { onError: (e) => seen.push(e) } });
      const client = await register(d);
      d.provider.authorize = async () => {
        throw new Error('database down');
      };
      const params = expectRedirectError(d, await d.fetch(`/authorize?${authorizeQuery(client.client_id)}`), 'server_error');
      expect(params.get('error_description')).not.toContain('database');
      expect(seen).toHaveLength(1);
    });
  });

  it('binds the grant to the configured resource, also when the client adds a query or sends none', async () => {
    const d = direct();
    const client = await register(d);
    for (const resource of [undefined, d.resourceUrl, `${d.resourceUrl}/`, `${d.resourceUrl}?kb_name=docs`]) {
      const res = await d.fetch(`/authorize?${authorizeQuery(client.client_id, resource ? { resource } : {})}`);
      const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
      const stored = await d.provider.loadAuthorizationCode((await d.provider.getClient(client.client_id))!, code);
      expect(stored?.resource).toBe(d.resourceUrl);
    }
  });

  it('escapes what the error page shows', async () => {
    const res = errorResponse(new AuthorizeError('invalid_request', '<script>alert("x")</script>'), { format: 'html' });
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)');
  });
});
