import { describe, expect, it } from 'vitest';
import { RegistrationError } from '../../src/index.js';
import { sha256 } from '../../src/kit.js';
import { REDIRECT, direct } from './fixtures.js';

function post(body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }): RequestInit {
  return { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

async function expectError(res: Response, error: string, status = 400): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe(error);
  return body.error_description;
}

describe('dynamic client registration (RFC 7591)', () => {
  it('registers a public client with defaults and no secret', async () => {
    const d = direct();
    const res = await d.fetch(
      '/register',
      post({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', client_name: 'Cli', extra: 'dropped' }),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      client_name: 'Cli',
      client_id_issued_at: d.clock.seconds,
    });
    expect(body['client_secret']).toBeUndefined();
    expect(body['extra']).toBeUndefined();
    expect(await d.provider.getClient(body['client_id'] as string)).toMatchObject({ client_name: 'Cli' });
  });

  it('issues a confidential client a secret once and stores only its hash', async () => {
    const d = direct();
    const res = await d.fetch('/register', post({ redirect_uris: [REDIRECT], scope: 'mcp:tools offline_access' }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, string | number>;
    expect(body['token_endpoint_auth_method']).toBe('client_secret_basic');
    expect(body['client_secret']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body['client_secret_expires_at']).toBe(0);
    expect(body['client_secret_hash']).toBeUndefined();
    expect(body['scope']).toBe('mcp:tools');
    const stored = (await d.provider.getClient(body['client_id'] as string))!;
    expect(stored.client_secret).toBeUndefined();
    expect(stored.client_secret_hash).toBe(await sha256(body['client_secret'] as string));
    expect(JSON.stringify(stored)).not.toContain(body['client_secret'] as string);
  });

  it('sets the secret expiry when configured', async () => {
    const d = direct({ server: { clientRegistration: { clientSecretExpiresIn: 3600 } } });
    const body = (await (await d.fetch('/register', post({ redirect_uris: [REDIRECT] }))).json()) as Record<string, number>;
    expect(body['client_secret_expires_at']).toBe(d.clock.seconds + 3600);
  });

  it.each([
    ['http on a non-loopback host', 'http://app.example.com/cb'],
    ['userinfo that makes localhost the user name', 'http://localhost@evil.example/cb'],
    ['userinfo on https', 'https://user:pw@app.example.com/cb'],
    ['a fragment', 'https://app.example.com/cb#frag'],
    ['a relative URI', '/callback'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,hi'],
    ['file:', 'file:///etc/passwd'],
    ['whitespace', 'https://app.example.com/c b'],
    ['a newline the URL parser would strip', 'https://app.example.com/\ncb'],
    ['an empty string', ''],
  ])('refuses a redirect URI with %s', async (_name, uri) => {
    const d = direct();
    await expectError(await d.fetch('/register', post({ redirect_uris: [uri] })), 'invalid_redirect_uri');
  });

  it('accepts https, loopback http on any host form, and private-use schemes', async () => {
    const d = direct();
    const uris = [
      'https://app.example.com/cb?x=1',
      'http://127.0.0.1:8080/cb',
      'http://[::1]/cb',
      'http://localhost:3000/cb',
      'com.example.app:/oauth2redirect',
      'cursor://anysphere.cursor/cb',
    ];
    const res = await d.fetch('/register', post({ redirect_uris: uris, token_endpoint_auth_method: 'none' }));
    expect(res.status).toBe(201);
  });

  it.each([
    ['no redirect URIs', { redirect_uris: [] }, 'invalid_redirect_uri'],
    ['redirect_uris not an array', { redirect_uris: REDIRECT }, 'invalid_client_metadata'],
    [
      'too many redirect URIs',
      { redirect_uris: Array.from({ length: 21 }, (_, i) => `https://a.example.com/${i}`) },
      'invalid_client_metadata',
    ],
    ['an unknown auth method', { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
    ['an unsupported grant type', { redirect_uris: [REDIRECT], grant_types: ['implicit'] }, 'invalid_client_metadata'],
    ['the implicit response type', { redirect_uris: [REDIRECT], response_types: ['token'] }, 'invalid_client_metadata'],
    [
      'code without authorization_code',
      { redirect_uris: [REDIRECT], grant_types: ['refresh_token'], response_types: ['code'] },
      'invalid_client_metadata',
    ],
    [
      'authorization_code without code',
      { redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: [] },
      'invalid_client_metadata',
    ],
    [
      'jwt-bearer on a provider without it',
      { redirect_uris: [REDIRECT], grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] },
      'invalid_client_metadata',
    ],
    ['an unknown scope', { redirect_uris: [REDIRECT], scope: 'mcp:tools admin' }, 'invalid_client_metadata'],
    ['a non-string scope', { redirect_uris: [REDIRECT], scope: ['mcp:tools'] }, 'invalid_client_metadata'],
    ['a non-string client_name', { redirect_uris: [REDIRECT], client_name: 42 }, 'invalid_client_metadata'],
    ['a javascript: client_uri', { redirect_uris: [REDIRECT], client_uri: 'javascript:alert(1)' }, 'invalid_client_metadata'],
    ['an http logo_uri', { redirect_uris: [REDIRECT], logo_uri: 'http://cdn.example.com/logo.png' }, 'invalid_client_metadata'],
    ['contacts not strings', { redirect_uris: [REDIRECT], contacts: [1] }, 'invalid_client_metadata'],
  ])('refuses metadata with %s', async (_name, metadata, error) => {
    const d = direct();
    await expectError(await d.fetch('/register', post(metadata)), error);
  });

  it.each([
    ['a wrong content type', post({ redirect_uris: [REDIRECT] }, { 'Content-Type': 'application/x-www-form-urlencoded' }), 'Content-Type'],
    ['no content type', { method: 'POST', body: JSON.stringify({ redirect_uris: [REDIRECT] }) }, 'Content-Type'],
    ['malformed JSON', post('{"redirect_uris": ['), 'not valid JSON'],
    ['a JSON array', post('[]'), 'JSON object'],
    ['JSON null', post('null'), 'JSON object'],
    [
      'invalid UTF-8',
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: new Uint8Array([0x7b, 0xff, 0x7d]) },
      'UTF-8',
    ],
    ['an oversized body', post({ redirect_uris: [REDIRECT], client_name: 'x'.repeat(20_000) }), 'larger than', 413],
  ])('refuses a request with %s', async (_name, init, message, status = 400) => {
    const d = direct();
    expect(await expectError(await d.fetch('/register', init as RequestInit), 'invalid_client_metadata', status)).toContain(message);
  });

  it('refuses an oversized streamed body without a Content-Length', async () => {
    const d = direct({ server: { maxBodyBytes: 1024 } });
    const chunk = new TextEncoder().encode(' '.repeat(512));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent++;
        if (sent > 100) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await d.fetch('/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(await expectError(res, 'invalid_client_metadata', 413)).toContain('larger than 1024');
    expect(sent).toBeLessThan(10);
  });

  it('answers the CORS preflight and 405 for GET', async () => {
    const d = direct();
    const preflight = await d.fetch('/register', { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const get = await d.fetch('/register');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('passes a provider refusal through as the registration error', async () => {
    const d = direct();
    d.provider.registerClient = async () => {
      throw new RegistrationError('invalid_client_metadata', 'client_name is on the deny list');
    };
    const description = await expectError(await d.fetch('/register', post({ redirect_uris: [REDIRECT] })), 'invalid_client_metadata');
    expect(description).toBe('client_name is on the deny list');
  });
});
