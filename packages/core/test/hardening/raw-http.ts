/**
 * A raw HTTP/1.1 client on a TCP socket, for what `fetch` will not send: a body larger than its
 * `Content-Length` is read, a body dripped byte by byte, two `Authorization` headers.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** The status of the answer, or `null` when the connection closed without one. */
  status: number | null;
  head: string;
  body: string;
}

export interface RawRequest {
  port: number;
  method: string;
  path: string;
  /** Header lines, `Name: value`, as sent (repeat a name to send it twice). */
  headers: string[];
  /** Body chunks, written one after the other (`dripMs` apart when set). */
  chunks?: (string | Uint8Array)[];
  dripMs?: number;
  /** Stop waiting for an answer after this long. Default 15 s. */
  waitMs?: number;
}

/** Send one request on a fresh connection and read the answer (head and body) until the server closes or the answer is complete. */
export function rawRequest(req: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(req.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      const text = received.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split >= 0 ? text.slice(0, split) : text;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      let body = split >= 0 ? text.slice(split + 4) : '';
      if (/\r\ntransfer-encoding: *chunked/i.test(head)) body = dechunk(body);
      resolve({ status: m ? Number(m[1]) : null, head, body });
    };
    const timer = setTimeout(finish, req.waitMs ?? 15_000);
    socket.on('data', (d) => {
      received = Buffer.concat([received, d]);
      const text = received.toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return;
      const head = text.slice(0, split);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (length && received.length >= split + 4 + Number(length[1])) finish();
      if (/\r\ntransfer-encoding: *chunked/i.test(head) && text.endsWith('0\r\n\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', async () => {
      socket.write(
        `${req.method} ${req.path} HTTP/1.1\r\nHost: 127.0.0.1:${req.port}\r\n${req.headers.map((h) => `${h}\r\n`).join('')}\r\n`,
      );
      for (const chunk of req.chunks ?? []) {
        if (finished || socket.destroyed) return;
        if (req.dripMs) await new Promise((r) => setTimeout(r, req.dripMs));
        if (finished || socket.destroyed) return;
        await new Promise<void>((r) => socket.write(chunk, () => r()));
      }
    });
  });
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}
