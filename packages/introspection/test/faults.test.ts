import type { ServerResponse } from 'node:http';
import { ConfigurationError, TokenInvalidError, UpstreamError } from '@mcpauth/core';
import { rejectionOf, waitFor } from '@mcpauth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IntrospectionTokenVerifier, type IntrospectionTokenVerifierOptions } from '../src/index.js';
import { activeTimers, fakeEndpoint, json, reports, trackingFetch, type FakeEndpoint } from './helpers.js';

const AUD = 'https://mcp.example.com/mcp';

// Faults a hosted authorization server can produce, served by a small local endpoint.

let endpoint: FakeEndpoint;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  endpoint = await fakeEndpoint();
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await endpoint.close();
});
afterEach(() => {
  expect(unhandled).toEqual([]);
});

function setup(options: Partial<IntrospectionTokenVerifierOptions> = {}) {
  const { hook, errors } = reports();
  const tracked = trackingFetch();
  const verifier = new IntrospectionTokenVerifier({
    introspectionUrl: `${endpoint.url}/introspect`,
    clientId: 'rs',
    clientSecret: 'rs-secret',
    expectedAudience: AUD,
    fetch: tracked.fetch,
    onInvalidToken: hook,
    ...options,
  } as IntrospectionTokenVerifierOptions);
  return { verifier, errors, tracked };
}

/** The `UpstreamError` a verification rejects with. */
async function expectUpstreamRejection(verification: Promise<unknown>): Promise<UpstreamError> {
  const error = await rejectionOf(verification);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

/** Wait for the server side of a response to close: the client gave the connection up. */
function closed(res: ServerResponse): () => boolean {
  let isClosed = false;
  res.on('close', () => (isClosed = true));
  return () => isClosed;
}

describe('upstream faults → UpstreamError (an outage, not a refusal), no leak', () => {
  const cases: Array<[string, (res: ServerResponse) => void, string]> = [
    ['HTTP 500', (res) => json(res, 500, 'Internal Server Error'), 'http_status'],
    ['HTTP 503 with an OAuth error body', (res) => json(res, 503, { error: 'temporarily_unavailable' }), 'oauth_error'],
    ['a non-JSON body', (res) => json(res, 200, '<html>login</html>'), 'invalid_body'],
    ['a JSON array', (res) => json(res, 200, [{ active: true }]), 'invalid_body'],
    ['"active": "true" (a string)', (res) => json(res, 200, { active: 'true', client_id: 'c', scope: 'read' }), 'invalid_body'],
    ['a missing "active"', (res) => json(res, 200, { client_id: 'c', scope: 'read' }), 'invalid_body'],
    ['"active": 1', (res) => json(res, 200, { active: 1, client_id: 'c' }), 'invalid_body'],
    [
      'a redirect',
      (res) => {
        res.writeHead(302, { Location: 'https://evil.example/introspect' });
        res.end();
      },
      'redirect',
    ],
  ];

  it.each(cases)('%s', async (_name, answer, reason) => {
    const { verifier, errors, tracked } = setup();
    endpoint.respond((_req, res) => answer(res));
    const timers = activeTimers();

    const outage = await expectUpstreamRejection(verifier.verifyToken('some-token'));

    expect(outage.reason).toBe(reason);
    expect(errors).toEqual([]); // the rejection is the report
    expect(tracked.responses.every((r) => r.bodyUsed)).toBe(true);
    expect(activeTimers()).toBeLessThanOrEqual(timers);
  });

  it('a timeout: the request is aborted and its connection closed', { timeout: 5_000 }, async () => {
    const { verifier, errors } = setup({ timeoutMs: 200 });
    let isClosed: (() => boolean) | undefined;
    endpoint.respond((_req, res) => (isClosed = closed(res))); // never answers
    const timers = activeTimers();

    expect((await expectUpstreamRejection(verifier.verifyToken('some-token'))).reason).toBe('timeout');
    expect(errors).toEqual([]);
    await waitFor(() => isClosed?.() === true, { message: 'the server side of the request to close', timeoutMs: 3_000 });
    expect(activeTimers()).toBeLessThanOrEqual(timers);
  });

  it('an endless body: reading stops at the size limit and the connection is closed', { timeout: 5_000 }, async () => {
    const { verifier, errors, tracked } = setup({ maxResponseBytes: 16 * 1024 });
    let isClosed: (() => boolean) | undefined;
    let written = 0;
    endpoint.respond((_req, res) => {
      isClosed = closed(res);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"active":true,"padding":"');
      const chunk = 'x'.repeat(4096);
      const pump = () => {
        while (!isClosed!() && res.write(chunk)) written += chunk.length;
        if (!isClosed!()) res.once('drain', pump);
      };
      pump();
    });

    expect((await expectUpstreamRejection(verifier.verifyToken('some-token'))).reason).toBe('too_large');
    expect(errors).toEqual([]);
    expect(tracked.responses.every((r) => r.bodyUsed)).toBe(true);
    await waitFor(() => isClosed?.() === true, { message: 'the server side of the request to close', timeoutMs: 3_000 });
    expect(written).toBeGreaterThan(16 * 1024);
  });

  it('a declared oversized body is refused before reading it', { timeout: 5_000 }, async () => {
    const { verifier } = setup();
    let isClosed: (() => boolean) | undefined;
    endpoint.respond((_req, res) => {
      isClosed = closed(res);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(10 * 1024 * 1024) });
      res.write('{"active":true'); // and then nothing: waiting for the body would hang
    });

    expect((await expectUpstreamRejection(verifier.verifyToken('some-token'))).reason).toBe('too_large');
    await waitFor(() => isClosed?.() === true, { message: 'the server side of the request to close', timeoutMs: 3_000 });
  });
});

describe('our credentials rejected → UpstreamError, and a ConfigurationError to the hook, distinct from an inactive token', () => {
  it.each([
    ['401 invalid_client', 401, { error: 'invalid_client', error_description: 'client authentication failed' }],
    ['401 without a body', 401, ''],
    ['400 invalid_client', 400, { error: 'invalid_client' }],
  ])('%s', async (_name, status, body) => {
    const { verifier, errors } = setup();
    endpoint.respond((_req, res) => json(res, status, body));

    const outage = await expectUpstreamRejection(verifier.verifyToken('some-token'));
    expect(outage.status).toBe(status);
    expect(outage.message).toContain('client credentials');

    expect(errors).toHaveLength(1);
    const error = errors[0]!;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(outage.message).toContain(`HTTP ${status}`);
    expect(outage.message).not.toContain('rs-secret');
    expect(error.message).not.toContain('rs-secret');
    expect((error as ConfigurationError).cause).toBeInstanceOf(UpstreamError);
  });

  it('an inactive token is TokenInvalidError("inactive")', async () => {
    const { verifier, errors } = setup();
    endpoint.respond((_req, res) => json(res, 200, { active: false }));

    await expect(verifier.verifyToken('revoked-token')).resolves.toBeNull();

    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TokenInvalidError);
    expect((errors[0] as TokenInvalidError).reason).toBe('inactive');
  });

  it('a hook that throws changes no verdict: a refusal stays null, an outage an UpstreamError', async () => {
    const verifier = new IntrospectionTokenVerifier({
      introspectionUrl: `${endpoint.url}/introspect`,
      clientId: 'rs',
      clientSecret: 'rs-secret',
      expectedAudience: AUD,
      onInvalidToken: () => {
        throw new Error('logger down');
      },
    });
    endpoint.respond((_req, res) => json(res, 401, { error: 'invalid_client' }));
    await expectUpstreamRejection(verifier.verifyToken('some-token'));
    endpoint.respond((_req, res) => json(res, 200, { active: false }));
    await expect(verifier.verifyToken('some-token')).resolves.toBeNull();
    await expect(verifier.verifyToken('')).resolves.toBeNull();
  });

  it('a network failure (nothing listening) is UpstreamError("network")', async () => {
    const gone = await fakeEndpoint();
    await gone.close();
    const { hook, errors } = reports();
    const verifier = new IntrospectionTokenVerifier({
      introspectionUrl: gone.url,
      clientId: 'rs',
      clientSecret: 's',
      expectedAudience: AUD,
      onInvalidToken: hook,
    });
    expect((await expectUpstreamRejection(verifier.verifyToken('some-token'))).reason).toBe('network');
    expect(errors).toEqual([]);
  });
});
