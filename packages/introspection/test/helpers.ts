import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen, type Listening } from '@mcpauth/testing';
import type { AnyAuthError } from '@mcpauth/core';

/** One request as the fake endpoint saw it. */
export interface SeenRequest {
  method: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

/** A small local introspection endpoint whose answer each test chooses. */
export interface FakeEndpoint extends Listening {
  /** Requests received so far. */
  requests: SeenRequest[];
  /** How the next requests are answered. */
  respond(handler: (req: SeenRequest, res: ServerResponse) => void): void;
  /** Sockets currently open to the server. */
  openSockets(): number;
}

/** Answer with a JSON body. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export async function fakeEndpoint(): Promise<FakeEndpoint> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let handler: (req: SeenRequest, res: ServerResponse) => void = (_req, res) => json(res, 200, { active: false });
  const server = await listen((req, res) => {
    const socket = req.socket;
    if (!sockets.has(socket)) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const seen = { method: req.method ?? '', headers: req.headers, form: new URLSearchParams(body) };
      requests.push(seen);
      handler(seen, res);
    });
  });
  return {
    ...server,
    requests,
    respond: (h) => (handler = h),
    openSockets: () => sockets.size,
  };
}

/** A fetch that remembers every response it returned, to check that each body was consumed or cancelled. */
export function trackingFetch(): { fetch: typeof fetch; responses: Response[]; calls: () => number } {
  const responses: Response[] = [];
  let calls = 0;
  return {
    fetch: async (input, init) => {
      calls++;
      const response = await fetch(input, init);
      responses.push(response);
      return response;
    },
    responses,
    calls: () => calls,
  };
}

/** Collects what a verifier reports through `onInvalidToken`. */
export function reports(): { hook: (err: AnyAuthError) => void; errors: AnyAuthError[] } {
  const errors: AnyAuthError[] = [];
  return { hook: (err) => errors.push(err), errors };
}

/** Active timers of this process (Node's `Timeout` resources). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}
