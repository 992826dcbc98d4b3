/**
 * Oversized and slow request bodies against the OAuth proxy served by `toNodeHandler` over real
 * HTTP (the outside review found: one POST to /consent with a 20 000-byte Content-Length killed
 * the process; the same on /token, /revoke, /authorize and /register closed the connection with
 * no answer). Every endpoint must answer 413 / 408, and the server must keep serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { proxyOptions } from '../proxy/helpers.js';
import { startProxyStack, type ProxyStack } from '../proxy/stack.js';
import { rawRequest } from './raw-http.js';

let stack: ProxyStack;
let port: number;

beforeAll(async () => {
  stack = await startProxyStack((url, h) => new OAuthProxy(proxyOptions(h, url, { authorizationServer: { bodyTimeoutMs: 400 } })));
  port = Number(new URL(stack.url).port);
});
afterAll(() => stack.close());

const FORM = 'Content-Type: application/x-www-form-urlencoded';
const JSON_TYPE = 'Content-Type: application/json';
const endpoints = [
  { path: '/consent', type: FORM },
  { path: '/token', type: FORM },
  { path: '/revoke', type: FORM },
  { path: '/authorize', type: FORM },
  { path: '/register', type: JSON_TYPE },
];

async function expectStillServing(): Promise<void> {
  const res = await fetch(`${stack.url}/.well-known/oauth-authorization-server`);
  expect(res.status).toBe(200);
}

describe('oversized bodies', () => {
  for (const { path, type } of endpoints) {
    for (const size of [20_000, 5_000_000]) {
      it(`${path}: a declared ${size}-byte body is answered 413 and the server keeps serving`, async () => {
        const body = Buffer.alloc(size, 'a');
        const answer = await rawRequest({ port, method: 'POST', path, headers: [type, `Content-Length: ${size}`], chunks: [body] });
        expect(answer.status).toBe(413);
        await expectStillServing();
      });
    }

    it(`${path}: a chunked body growing past the limit is answered 413`, async () => {
      const chunk = (n: number) => `${n.toString(16)}\r\n${'a'.repeat(n)}\r\n`;
      const answer = await rawRequest({
        port,
        method: 'POST',
        path,
        headers: [type, 'Transfer-Encoding: chunked'],
        chunks: Array.from({ length: 40 }, () => chunk(1024)),
      });
      expect(answer.status).toBe(413);
      await expectStillServing();
    });

    it(`${path}: a body dripped slowly is answered 408`, async () => {
      const answer = await rawRequest({
        port,
        method: 'POST',
        path,
        headers: [type, 'Content-Length: 100'],
        chunks: Array.from({ length: 100 }, () => 'a'),
        dripMs: 50,
      });
      expect(answer.status).toBe(408);
      await expectStillServing();
    });
  }

  it('a JSON error body names the problem (413 at /token)', async () => {
    const answer = await rawRequest({
      port,
      method: 'POST',
      path: '/token',
      headers: [FORM, 'Content-Length: 20000'],
      chunks: [Buffer.alloc(20_000, 'a')],
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: 'invalid_request', error_description: 'Request body larger than 16384 bytes' });
  });

  it('fetch (undici) receives the 413 for a large body', async () => {
    const res = await fetch(`${stack.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a='.padEnd(200_000, 'b'),
    });
    expect(res.status).toBe(413);
  });

  it('a request abandoned mid-body leaves the server serving', async () => {
    const answer = await rawRequest({
      port,
      method: 'POST',
      path: '/token',
      headers: [FORM, 'Content-Length: 1000'],
      chunks: ['grant_type='],
      waitMs: 100,
    });
    expect(answer.status).toBeNull();
    await expectStillServing();
  });
});
