import { listen, type Listening } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SingleFlight,
  TtlCache,
  clientSecretBasic,
  fetchJson,
  httpClientOptions,
  sendRequest,
  timingSafeEqual,
  sha256,
} from '../src/kit.js';
import { UpstreamError } from '../src/index.js';
import { pkceChallenge, isPkceVerifier, randomToken } from '../src/lib/crypto.js';

let server: Listening;
beforeAll(async () => {
  server = await listen((req, res) => {
    const url = new URL(req.url!, 'http://x');
    switch (url.pathname) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
        break;
      case '/oauth-error':
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant","error_description":"bad code"}');
        break;
      case '/500':
        res.writeHead(500).end('oops');
        break;
      case '/array':
        res.writeHead(200).end('[1,2]');
        break;
      case '/html':
        res.writeHead(200).end('<html>');
        break;
      case '/big':
        res.writeHead(200).end(JSON.stringify({ x: 'y'.repeat(5000) }));
        break;
      case '/big-chunked':
        res.writeHead(200);
        for (let i = 0; i < 100; i++) res.write('x'.repeat(100));
        res.end();
        break;
      case '/redirect':
        res.writeHead(302, { location: '/ok' }).end();
        break;
      case '/trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
        setTimeout(() => {
          clearInterval(timer);
          res.end('1}');
        }, 3000);
        break;
      }
      case '/slow':
        setTimeout(() => res.writeHead(200).end('{}'), 2000);
        break;
      case '/echo': {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => res.writeHead(200).end(JSON.stringify({ method: req.method, type: req.headers['content-type'], body })));
        break;
      }
      default:
        res.writeHead(404).end();
    }
  });
});
afterAll(() => server.close());

async function expectUpstreamError(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

describe('fetchJson / sendRequest', () => {
  it('returns a JSON object', async () => {
    expect((await fetchJson(`${server.url}/ok`)).json).toEqual({ a: 1 });
  });
  it('turns OAuth error bodies into UpstreamError with error and description', async () => {
    const err = await expectUpstreamError(fetchJson(`${server.url}/oauth-error`));
    expect([err.reason, err.status, err.error, err.errorDescription]).toEqual(['oauth_error', 400, 'invalid_grant', 'bad code']);
  });
  it('refuses non-2xx, non-objects, non-JSON, redirects, oversize and slow answers', async () => {
    expect((await expectUpstreamError(fetchJson(`${server.url}/500`))).reason).toBe('http_status');
    expect((await expectUpstreamError(fetchJson(`${server.url}/array`))).reason).toBe('invalid_body');
    expect((await expectUpstreamError(fetchJson(`${server.url}/html`))).reason).toBe('invalid_body');
    expect((await expectUpstreamError(fetchJson(`${server.url}/redirect`))).reason).toBe('redirect');
    expect((await expectUpstreamError(fetchJson(`${server.url}/big`, {}, { maxResponseBytes: 1000 }))).reason).toBe('too_large');
    expect((await expectUpstreamError(fetchJson(`${server.url}/big-chunked`, {}, { maxResponseBytes: 1000 }))).reason).toBe('too_large');
    expect((await expectUpstreamError(fetchJson(`${server.url}/slow`, {}, { timeoutMs: 100 }))).reason).toBe('timeout');
    // the deadline covers the body too: headers at once, then a body that completes only after
    // 3 s (a call that waited for it would succeed instead of timing out)
    expect((await expectUpstreamError(fetchJson(`${server.url}/trickle`, {}, { timeoutMs: 300 }))).reason).toBe('timeout');
    expect((await expectUpstreamError(fetchJson('http://127.0.0.1:1/closed', {}, { timeoutMs: 1000 }))).reason).toBe('network');
  });
  it('sends forms and JSON bodies, and uses an injected fetch', async () => {
    const form = await fetchJson(`${server.url}/echo`, { method: 'POST', form: new URLSearchParams({ a: 'b c' }) });
    expect(form.json).toEqual({ method: 'POST', type: 'application/x-www-form-urlencoded', body: 'a=b+c' });
    const json = await fetchJson(`${server.url}/echo`, { method: 'POST', json: { x: 1 } });
    expect(json.json).toMatchObject({ type: 'application/json', body: '{"x":1}' });
    let calls = 0;
    const res = await sendRequest(
      `${server.url}/ok`,
      {},
      {
        fetch: (input, init) => {
          calls++;
          return fetch(input, init);
        },
      },
    );
    expect(res.status).toBe(200);
    expect(calls).toBe(1);
  });
});

describe('httpClientOptions', () => {
  it("takes the HTTP options among a component's options, with its defaults for timeout and size", () => {
    const defaults = { timeoutMs: 5_000, maxResponseBytes: 64 * 1024 };
    const own = { authkitDomain: 'x', cache: false, timeoutMs: 300, retry: 1 };
    expect(httpClientOptions(own, defaults)).toEqual({
      ky: undefined,
      fetch: undefined,
      timeoutMs: 300,
      maxResponseBytes: 65_536,
      retry: 1,
    });
    expect(httpClientOptions({}, defaults)).toMatchObject({ timeoutMs: 5_000, maxResponseBytes: 65_536 });
  });
});

describe('utilities', () => {
  it('TtlCache bounds entries and expires them, by a clock in seconds', () => {
    let t = 1_700_000_000;
    const c = new TtlCache<string, number>({ maxEntries: 2, now: () => t });
    c.set('a', 1, { ttlSeconds: 100 });
    c.set('b', 2, { ttlSeconds: 100 });
    c.get('a');
    c.set('c', 3, { ttlSeconds: 100 });
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([1, undefined, 3]);
    t += 99.5;
    expect(c.get('a')).toBe(1);
    t += 0.5;
    expect(c.get('a')).toBeUndefined();
    c.set('z', 1, { ttlSeconds: 0 });
    expect(c.get('z')).toBeUndefined();
    expect(() => new TtlCache({ maxEntries: -1 })).toThrow(TypeError);
    const real = new TtlCache<string, number>({ maxEntries: 1 }); // default clock: Date.now() / 1000
    real.set('x', 1, { ttlSeconds: 60 });
    expect(real.get('x')).toBe(1);
  });
  it('SingleFlight shares one call between concurrent callers', async () => {
    const sf = new SingleFlight<string, number>();
    let calls = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        sf.run('k', async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 10));
          return 7;
        }),
      ),
    );
    expect(results).toEqual(Array(10).fill(7));
    expect(calls).toBe(1);
    expect(sf.size).toBe(0);
    await expect(sf.run('k', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(sf.size).toBe(0);
  });
  it('SingleFlight turns a synchronous throw into a rejection and starts a new call once one settled', async () => {
    const sf = new SingleFlight<string, number>();
    await expect(
      sf.run('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(sf.size).toBe(0);
    let calls = 0;
    const first = sf.run('k', async () => ++calls);
    expect(sf.run('k', async () => ++calls)).toBe(first);
    expect(await first).toBe(1);
    // a caller continuing after the settlement does not join the finished call
    expect(await sf.run('k', async () => ++calls)).toBe(2);
    expect(sf.size).toBe(0);
  });
  it('clientSecretBasic form-encodes id and secret before base64 (RFC 6749 §2.3.1)', () => {
    expect(clientSecretBasic('client', 'secret')).toBe(`Basic ${btoa('client:secret')}`);
    expect(atob(clientSecretBasic('a:b', 's p+é').slice(6))).toBe('a%3Ab:s+p%2B%C3%A9');
  });
  it('crypto helpers', async () => {
    expect(timingSafeEqual('abc', 'abc')).toBe(true);
    expect(timingSafeEqual('abc', 'abd')).toBe(false);
    expect(timingSafeEqual('abc', 'abcd')).toBe(false);
    expect(timingSafeEqual('', '')).toBe(true);
    expect(timingSafeEqual('', 'a')).toBe(false);
    // RFC 7636 Appendix B
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(isPkceVerifier('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(true);
    expect(isPkceVerifier('short')).toBe(false);
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(randomToken());
    expect(await sha256('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});
