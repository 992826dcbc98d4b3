import type { AnyAuthError, TokenInvalidReason } from '@mcpauth/core';
import nodeCrypto from 'node:crypto';
import { vi } from 'vitest';
import { listen, type Listening } from '@mcpauth/testing';

/** A JWKS endpoint on loopback whose answer tests can change, counting requests. */
export interface JwksServer {
  jwksUri: string;
  /** The `keys` served (any JSON, to serve broken sets). */
  keys: unknown[];
  /** `ok`: 200 with `{ keys }`; `hang`: never answers; `error`: 500; `missing`: 404; `redirect`: 302 elsewhere; `raw`: `raw` as the body. */
  mode: 'ok' | 'hang' | 'error' | 'missing' | 'redirect' | 'raw';
  raw: string;
  requests: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: unknown[] = []): Promise<JwksServer> {
  const state = { keys, mode: 'ok' as JwksServer['mode'], raw: '', requests: 0 };
  const listening: Listening = await listen((_req, res) => {
    state.requests++;
    switch (state.mode) {
      case 'hang':
        return;
      case 'error':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
        return;
      case 'missing':
        res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
        return;
      case 'redirect':
        res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
        return;
      case 'raw':
        res.writeHead(200, { 'content-type': 'application/json' }).end(state.raw);
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: state.keys }));
    }
  });
  return Object.assign(state, { jwksUri: `${listening.url}/jwks`, close: () => listening.close() });
}

/** An `onInvalidToken` hook that records what it is told. */
export function recorder() {
  const errors: AnyAuthError[] = [];
  return {
    errors,
    hook: (error: AnyAuthError) => {
      errors.push(error);
    },
    /** Reasons of the token refusals recorded so far. */
    reasons: (): (TokenInvalidReason | string)[] => errors.map((e) => (e.code === 'ERR_TOKEN_INVALID' ? e.reason : e.code)),
    last: (): AnyAuthError | undefined => errors[errors.length - 1],
    clear: () => {
      errors.length = 0;
    },
  };
}

/** A clock in seconds that tests move by hand. */
export function manualClock(start = Math.floor(Date.now() / 1000)) {
  let t = start;
  return {
    now: () => t,
    advance: (seconds: number) => {
      t += seconds;
    },
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Counts signature checks on either path: WebCrypto's `subtle.verify` (jose) and `node:crypto`'s
 * `verify` (the native fast path), so cache tests hold whichever path verifies.
 */
export function countSignatureChecks() {
  // the module object process.getBuiltinModule gives the fast path (imported statically here, so
  // that the spy also exists in the test project that hides node:crypto from the package)
  const subtle = vi.spyOn(crypto.subtle, 'verify');
  const native = vi.spyOn(nodeCrypto, 'verify');
  return {
    calls: () => subtle.mock.calls.length + native.mock.calls.length,
    subtle: () => subtle.mock.calls.length,
    native: () => native.mock.calls.length,
  };
}
