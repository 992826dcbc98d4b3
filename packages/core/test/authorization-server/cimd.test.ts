/**
 * Client ID Metadata Documents, fetched from an https server on loopback with the test option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostKind } from '../../src/lib/ip-address.js';
import { StoreOAuthProvider, type OAuthToken } from '../../src/index.js';
import { isClientIdMetadataUrl } from '../../src/authorization-server/cimd.js';
import { REDIRECT, SCOPE, direct, form, pkce, startTlsServer, type TlsServer } from './fixtures.js';

let tls: TlsServer;
beforeAll(async () => {
  tls = await startTlsServer();
});
afterAll(() => tls.close());

let n = 0;
/** A fresh document path and its client id; the document is served unless `doc` is null. */
function document(doc: ((clientId: string) => Record<string, unknown> | string) | null, options: Parameters<TlsServer['serve']>[2] = {}) {
  const path = `/clients/${++n}.json`;
  const clientId = `${tls.url}${path}`;
  if (doc) {
    const body = doc(clientId);
    tls.serve(path, typeof body === 'string' ? body : JSON.stringify(body), options);
  }
  return { path, clientId };
}

const valid = (clientId: string) => ({
  client_id: clientId,
  client_name: 'Doc client',
  redirect_uris: [REDIRECT],
  grant_types: ['authorization_code', 'refresh_token'],
});

/** A server whose refused documents' reasons are collected in `errors`. */
function cimdServer(extra: Record<string, unknown> = {}) {
  const errors: string[] = [];
  const d = direct({
    server: {
      cimd: { allowLoopback: true, http: { fetch: tls.fetch, timeoutMs: 300 }, ...extra },
      onError: (e) => errors.push(String((e as Error).message)),
    },
  });
  return Object.assign(d, { errors });
}

const GENERIC = 'The client metadata document could not be fetched, or is not valid';

async function authorizeStatus(
  d: Pick<ReturnType<typeof direct>, 'fetch'>,
  clientId: string,
): Promise<{ status: number; text: string; location: string | null }> {
  const { challenge } = pkce();
  const res = await d.fetch(
    `/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256', scope: SCOPE })}`,
  );
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

describe('Client ID Metadata Documents', () => {
  it('a document client authorizes and redeems its code as a public client, without registering', async () => {
    const d = cimdServer();
    const { clientId } = document(valid);
    const { verifier, challenge } = pkce();
    const auth = await d.fetch(
      `/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256' })}`,
    );
    expect(auth.status).toBe(302);
    const code = new URL(auth.headers.get('location')!).searchParams.get('code')!;
    const res = await d.fetch(
      '/token',
      form({ grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: REDIRECT }),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as OAuthToken).refresh_token).toBeTruthy();
    expect(await d.provider.getClient(clientId)).toBeNull();
  });

  it.each([
    ['client_id differs from the URL', (id: string) => ({ ...valid(id), client_id: `${id}x` }), 'another client_id'],
    ['a client secret in the document', (id: string) => ({ ...valid(id), client_secret: 's' }), 'client secret'],
    [
      'a shared-secret auth method',
      (id: string) => ({ ...valid(id), token_endpoint_auth_method: 'client_secret_basic' }),
      'token_endpoint_auth_method must be one of: none',
    ],
    ['an http redirect URI', (id: string) => ({ ...valid(id), redirect_uris: ['http://app.example.com/cb'] }), 'must use https'],
    ['not JSON', () => '<html>hi</html>', 'could not be fetched (invalid_body)'],
    ['a JSON array', () => '[]', 'could not be fetched (invalid_body)'],
    ['more than 5 KiB', (id: string) => ({ ...valid(id), client_name: 'x'.repeat(6000) }), 'could not be fetched (too_large)'],
  ])('refuses a document with %s (a generic error page, no redirect; the reason to onError)', async (_name, doc, message) => {
    const d = cimdServer();
    const { clientId } = document(doc);
    const res = await authorizeStatus(d, clientId);
    expect(res.status).toBe(400);
    expect(res.location).toBeNull();
    expect(res.text).toContain(GENERIC);
    expect(res.text).not.toContain(message);
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toContain(clientId);
    expect(d.errors[0]).toContain(message);
  });

  it('remembers a refused document for a minute: no new fetch per /authorize meanwhile', async () => {
    const d = cimdServer();
    const { path, clientId } = document(null);
    for (let i = 0; i < 3; i++) expect((await authorizeStatus(d, clientId)).text).toContain(GENERIC);
    expect(tls.hits(path)).toBe(1);
    expect(d.errors).toHaveLength(1);
    d.clock.advance(61);
    tls.serve(path, JSON.stringify(valid(clientId)));
    expect((await authorizeStatus(d, clientId)).status).toBe(302);
    expect(tls.hits(path)).toBe(2);
  });

  it('refuses a redirect registered in a document that does not list it', async () => {
    const d = cimdServer();
    const { clientId } = document((id) => ({ ...valid(id), redirect_uris: ['http://127.0.0.1:1/other'] }));
    const res = await authorizeStatus(d, clientId);
    expect(res.status).toBe(400);
    expect(res.text).toContain('redirect_uri is not registered');
  });

  it("keeps only the document's redirect URIs the provider allows, and refuses a document left with none", async () => {
    const allowed = (uri: string) => uri.startsWith('http://127.0.0.1:7777/');
    const d = direct({
      server: { cimd: { allowLoopback: true, http: { fetch: tls.fetch } } },
      makeProvider: (o) => Object.assign(new StoreOAuthProvider(o), { isRedirectUriAllowed: allowed }),
    });
    const { clientId } = document((id) => ({ ...valid(id), redirect_uris: ['https://elsewhere.example/cb', REDIRECT] }));
    expect((await authorizeStatus(d, clientId)).status).toBe(302);
    expect((await d.as.resolveClient(clientId)).client?.redirect_uris).toEqual([REDIRECT]);
    const none = document((id) => ({ ...valid(id), redirect_uris: ['https://elsewhere.example/cb'] }));
    const res = await authorizeStatus(d, none.clientId);
    expect(res.status).toBe(400);
    expect(res.location).toBeNull();
  });

  it('does not follow redirects, and refuses 404 and a server that does not answer in time', async () => {
    const d = cimdServer();
    const target = document(valid);
    const { clientId: redirecting } = document(() => '', { status: 302, headers: { Location: target.clientId } });
    expect((await authorizeStatus(d, redirecting)).text).toContain(GENERIC);
    expect(tls.hits(target.path)).toBe(0);
    const { clientId: missing } = document(null);
    expect((await authorizeStatus(d, missing)).text).toContain(GENERIC);
    const { clientId: hanging } = document(valid, { hang: true });
    expect((await authorizeStatus(d, hanging)).text).toContain(GENERIC);
    expect(d.errors.map((e) => /\((\w+)\)/.exec(e)?.[1])).toEqual(['redirect', 'http_status', 'timeout']);
  });

  it('refuses a document client at the token endpoint with invalid_client when the document is bad', async () => {
    const d = cimdServer();
    const { clientId } = document((id) => ({ ...valid(id), client_id: 'x' }));
    const res = await d.fetch(
      '/token',
      form({ grant_type: 'authorization_code', client_id: clientId, code: 'c', code_verifier: pkce().verifier }),
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('caches per Cache-Control, capped by maxCacheSeconds; no-store is fetched every time', async () => {
    const d = cimdServer();
    const cached = document(valid, { headers: { 'Cache-Control': 'public, max-age=600' } });
    await authorizeStatus(d, cached.clientId);
    await authorizeStatus(d, cached.clientId);
    expect(tls.hits(cached.path)).toBe(1);

    const uncached = document(valid, { headers: { 'Cache-Control': 'no-store' } });
    await authorizeStatus(d, uncached.clientId);
    await authorizeStatus(d, uncached.clientId);
    expect(tls.hits(uncached.path)).toBe(2);

    const capped = cimdServer({ maxCacheSeconds: 0 });
    const long = document(valid, { headers: { 'Cache-Control': 'max-age=86400' } });
    await authorizeStatus(capped, long.clientId);
    await authorizeStatus(capped, long.clientId);
    expect(tls.hits(long.path)).toBe(2);
  });

  it('fetches a document once for concurrent requests', async () => {
    const d = cimdServer();
    const doc = document(valid, { headers: { 'Cache-Control': 'max-age=60' } });
    const results = await Promise.all(Array.from({ length: 10 }, () => authorizeStatus(d, doc.clientId)));
    expect(results.every((r) => r.status === 302)).toBe(true);
    expect(tls.hits(doc.path)).toBe(1);
  });

  it('without allowLoopback, loopback documents are never fetched; with CIMD disabled, URLs are unknown clients', async () => {
    const strict = direct({ server: { cimd: { http: { fetch: tls.fetch } } } });
    const doc = document(valid);
    expect((await authorizeStatus(strict, doc.clientId)).text).toContain('private or loopback');
    const off = direct({ server: { cimd: false } });
    expect((await authorizeStatus(off, doc.clientId)).text).toContain('Unknown client');
    expect(tls.hits(doc.path)).toBe(0);
  });

  it('recognises document URLs', () => {
    expect(isClientIdMetadataUrl('https://app.example.com/client.json')).toBe(true);
    expect(isClientIdMetadataUrl('https://app.example.com/c?v=1')).toBe(true);
    for (const no of [
      'https://app.example.com/',
      'https://app.example.com',
      'http://app.example.com/client.json',
      'https://app.example.com/client.json#x',
      'https://u:p@app.example.com/client.json',
      'https://app.example.com/a/../client.json',
      'https://APP.example.com/client.json',
      'abc123',
    ]) {
      expect(isClientIdMetadataUrl(no), no).toBe(false);
    }
  });

  it('classifies address literals', () => {
    const host = (url: string) => hostKind(new URL(url).hostname);
    for (const loopback of [
      'https://127.0.0.1/',
      'https://127.1.2.3/',
      'https://[::1]/',
      'https://localhost/',
      'https://a.localhost/',
      'https://0x7f.1/',
      'https://[::ffff:127.0.0.1]/',
    ]) {
      expect(host(loopback), loopback).toBe('loopback');
    }
    for (const priv of [
      'https://10.0.0.1/',
      'https://172.16.5.4/',
      'https://172.31.255.255/',
      'https://192.168.1.1/',
      'https://169.254.169.254/',
      'https://100.64.0.1/',
      'https://0.0.0.0/',
      'https://224.0.0.1/',
      'https://[fd00::1]/',
      'https://[fe80::1]/',
      'https://[::]/',
      'https://[::ffff:10.0.0.1]/',
      'https://[64:ff9b::a00:1]/',
      'https://[ff02::1]/',
      'https://2852039166/',
    ]) {
      expect(host(priv), priv).toBe('private');
    }
    for (const pub of ['https://8.8.8.8/', 'https://172.32.0.1/', 'https://[2001:db8::1]/', 'https://app.example.com/']) {
      expect(host(pub), pub).toBe('public');
    }
  });
});
