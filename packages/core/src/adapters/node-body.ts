import type { IncomingMessage } from 'node:http';

/** How long an unread request body is drained after the response, before the connection is closed, in ms. */
const LINGER_MS = 2_000;

/** Chunks buffered ahead of the reader before the request is paused (backpressure), in bytes. */
const HIGH_WATER_MARK = 64 * 1024;

/**
 * A request body bridged from a Node `IncomingMessage` to a `ReadableStream` that this adapter
 * controls (Node's `Readable.toWeb` keeps its `'data'` listener after a cancel and then throws
 * `ERR_INVALID_STATE` from a closed controller, killing the process).
 */
export interface NodeBody {
  readonly stream: ReadableStream<Uint8Array>;
  /**
   * Call once the response is written. When the body was not read to its end (a handler refused
   * it early: too large, too slow, not needed), the rest is drained and discarded for a short
   * while so the client can read the answer, then the connection is closed.
   */
  release(): void;
}

/**
 * Bridge `req` to a pull-based `ReadableStream`: the request is paused while the stream's queue
 * is full, every listener is removed when the stream ends, errors or is cancelled, and nothing is
 * enqueued after that.
 */
export function nodeBody(req: IncomingMessage): NodeBody {
  let settled = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onData = (chunk: Buffer | string) => {
    if (settled) return;
    const bytes =
      typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    controller.enqueue(bytes);
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  const onEnd = () => settle(() => controller.close());
  const onError = (err: Error) => settle(() => controller.error(err));
  const onClose = () => {
    if (!req.complete) settle(() => controller.error(new Error('The request was aborted before its body was complete')));
  };
  const detach = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('close', onClose);
  };
  function settle(finish: () => void): void {
    if (settled) return;
    settled = true;
    detach();
    finish();
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        req.pause();
        req.on('data', onData);
        req.once('end', onEnd);
        req.once('error', onError);
        req.once('close', onClose);
      },
      pull() {
        if (!settled) req.resume();
      },
      cancel() {
        settled = true;
        detach();
        req.pause();
      },
    },
    { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );

  return {
    stream,
    release() {
      if (req.complete || req.destroyed) return;
      settled = true;
      detach();
      // Discard what is still coming so the client can read the answer (closing with unread
      // data in the socket would reset the connection and lose it), but not for long.
      const timer = setTimeout(() => req.destroy(), LINGER_MS);
      timer.unref?.();
      const done = () => clearTimeout(timer);
      req.once('end', done);
      req.once('close', done);
      req.on('error', () => undefined);
      req.resume();
    },
  };
}
