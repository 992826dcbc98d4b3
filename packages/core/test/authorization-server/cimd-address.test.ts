/**
 * Client ID Metadata Documents on Node: the host name is resolved and the resolved address is
 * judged, then connected to. Names that really resolve to loopback here (`localhost`, and this
 * machine's own host name where it resolves to a non-public address) and a resolver that answers
 * a loopback address for a public-looking name are refused before anything is sent.
 */
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/index.js';
import { createPublicAddressFetch, type ResolveAddresses } from '../../src/http/public-address-fetch.js';
import { ipAddressKind } from '../../src/lib/ip-address.js';
import { REDIRECT, TLS_TEST_HOST, direct, pkce, startTlsServer, type TlsServer } from './fixtures.js';

/** This machine's own name, when it resolves (here, for real) only to non-public addresses. */
const own = hostname();
const ownAddresses = await lookup(own, { all: true }).catch(() => []);
const ownIsInternal = ownAddresses.length > 0 && ownAddresses.every((a) => ipAddressKind(a.address) !== 'public');

let tls: TlsServer;
beforeAll(async () => {
  tls = await startTlsServer();
});
afterAll(() => tls.close());

let n = 0;
/** Serve a valid document for `host` at a fresh path; its client id and path. */
function document(host: string) {
  const path = `/address/${++n}.json`;
  const clientId = `https://${host}:${tls.port}${path}`;
  tls.serve(path, JSON.stringify({ client_id: clientId, client_name: 'Doc', redirect_uris: [REDIRECT] }));
  return { clientId, path };
}

/** A resolver that answers `address` for TLS_TEST_HOST (a public-looking name) and counts its calls. */
function resolverTo(address: string): ResolveAddresses & { calls: number } {
  const resolve = ((name, _options, callback) => {
    resolve.calls++;
    if (name !== TLS_TEST_HOST) return callback(Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' }), []);
    callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
  }) as ResolveAddresses & { calls: number };
  resolve.calls = 0;
  return resolve;
}

async function authorize(d: ReturnType<typeof direct>, clientId: string) {
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  });
  const res = await d.fetch(`/authorize?${query}`);
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

function server(fetch: typeof globalThis.fetch | undefined, allowLoopback = true, timeoutMs?: number) {
  const errors: unknown[] = [];
  const d = direct({ server: { cimd: { allowLoopback, http: fetch ? { fetch, timeoutMs } : undefined }, onError: (e) => errors.push(e) } });
  return Object.assign(d, { errors });
}

const reasonOf = (error: unknown) => ((error as { cause?: unknown }).cause as UpstreamError | undefined)?.reason;

describe('public-address fetch', () => {
  it('judges the address a name resolves to, with the real resolver: localhost is loopback', async () => {
    const { path } = document('localhost');
    const strict = createPublicAddressFetch({ ca: tls.cert })!;
    const refused = await strict(`https://localhost:${tls.port}${path}`).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamError);
    expect((refused as UpstreamError).reason).toBe('forbidden_address');
    expect(tls.hits(path)).toBe(0);

    const loopbackAllowed = createPublicAddressFetch({ allowLoopback: true, ca: tls.cert })!;
    const res = await loopbackAllowed(`https://localhost:${tls.port}${path}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { client_name: string }).client_name).toBe('Doc');
    expect(tls.hits(path)).toBe(1);
  });

  it('connects to the address it checked (the resolver is asked once, its answer is used)', async () => {
    const { clientId, path } = document(TLS_TEST_HOST);
    const resolve = resolverTo('127.0.0.1');
    const guarded = createPublicAddressFetch({ allowLoopback: true, resolve, ca: tls.cert })!;
    expect((await guarded(clientId)).status).toBe(200);
    expect(resolve.calls).toBe(1);
    expect(tls.hits(path)).toBe(1);
  });

  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.1', '169.254.169.254', 'fec0::1', '2002:7f00:1::'])(
    'refuses a public-looking name resolving to %s, before sending anything',
    async (address) => {
      const { clientId, path } = document(TLS_TEST_HOST);
      const loopbackAllowed = ipAddressKind(address) !== 'loopback';
      const guarded = createPublicAddressFetch({ allowLoopback: loopbackAllowed, resolve: resolverTo(address), ca: tls.cert })!;
      await expect(guarded(clientId)).rejects.toMatchObject({ reason: 'forbidden_address' });
      expect(tls.hits(path)).toBe(0);
    },
  );

  it('refuses address literals itself, and http', async () => {
    const guarded = createPublicAddressFetch()!;
    await expect(guarded(`https://127.0.0.1:${tls.port}/x`)).rejects.toMatchObject({ reason: 'forbidden_address' });
    await expect(guarded(`https://[::ffff:a00:1]:${tls.port}/x`)).rejects.toMatchObject({ reason: 'forbidden_address' });
    await expect(guarded('http://example.com/x')).rejects.toBeInstanceOf(TypeError);
  });

  it('returns redirects without following them, and stops at the deadline', async () => {
    const target = document('localhost');
    const path = `/address/${++n}.json`;
    tls.serve(path, '', { status: 302, headers: { Location: `https://localhost:${tls.port}${target.path}` } });
    const guarded = createPublicAddressFetch({ allowLoopback: true, ca: tls.cert })!;
    const res = await guarded(`https://localhost:${tls.port}${path}`);
    expect(res.status).toBe(302);
    expect(tls.hits(target.path)).toBe(0);
    const hanging = `/address/${++n}.json`;
    tls.serve(hanging, '{}', { hang: true });
    await expect(guarded(`https://localhost:${tls.port}${hanging}`, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});

describe('Client ID Metadata Documents through the guard', () => {
  it('a document whose host resolves to loopback: generic page, no redirect, the reason to onError, nothing sent', async () => {
    const d = server(createPublicAddressFetch({ resolve: resolverTo('127.0.0.1'), ca: tls.cert })!);
    const { clientId, path } = document(TLS_TEST_HOST);
    const res = await authorize(d, clientId);
    expect(res.status).toBe(400);
    expect(res.location).toBeNull();
    expect(res.text).toContain('could not be fetched, or is not valid');
    expect(res.text).not.toContain('127.0.0.1');
    expect(reasonOf(d.errors[0])).toBe('forbidden_address');
    expect(tls.hits(path)).toBe(0);
  });

  it('a document on a public-looking name served from an allowed address is used', async () => {
    const d = server(createPublicAddressFetch({ allowLoopback: true, resolve: resolverTo('127.0.0.1'), ca: tls.cert })!);
    const { clientId } = document(TLS_TEST_HOST);
    expect((await authorize(d, clientId)).status).toBe(302);
  });

  it('keeps the 5 KiB limit and the timeout through the guard', async () => {
    const d = server(createPublicAddressFetch({ allowLoopback: true, ca: tls.cert })!);
    const big = `/address/${++n}.json`;
    const bigId = `https://localhost:${tls.port}${big}`;
    tls.serve(big, JSON.stringify({ client_id: bigId, client_name: 'x'.repeat(6000), redirect_uris: [REDIRECT] }));
    expect((await authorize(d, bigId)).status).toBe(400);
    const hanging = `/address/${++n}.json`;
    tls.serve(hanging, '{}', { hang: true });
    const slow = server(createPublicAddressFetch({ allowLoopback: true, ca: tls.cert })!, true, 200);
    expect((await authorize(slow, `https://localhost:${tls.port}${hanging}`)).status).toBe(400);
    expect(d.errors.map(reasonOf)).toEqual(['too_large']);
    expect(slow.errors.map(reasonOf)).toEqual(['timeout']);
  });

  it.skipIf(!ownIsInternal)(`by default (nothing injected), this machine's name (${own}) is resolved and refused`, async () => {
    const d = server(undefined, false);
    const { clientId, path } = document(own);
    const res = await authorize(d, clientId);
    expect(res.status).toBe(400);
    expect(reasonOf(d.errors[0])).toBe('forbidden_address');
    expect(tls.hits(path)).toBe(0);
  });
});
