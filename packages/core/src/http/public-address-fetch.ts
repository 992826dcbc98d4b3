/**
 * A `fetch` that only connects to public addresses, for requests whose URL a client chooses
 * (Client ID Metadata Documents). Built on Node's `https` module, reached at run time, so this
 * file stays importable on every runtime; elsewhere {@link createPublicAddressFetch} returns
 * `null` and callers fall back to judging the URL's literal host.
 *
 * @module
 */
import { UpstreamError } from '../errors/errors.js';
import { nodeBuiltin } from '../lib/builtin.js';
import { ipAddressKind, type AddressKind } from '../lib/ip-address.js';

/** One resolved address, as Node's `dns.lookup` reports it with `all: true`. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** A resolver with the shape of Node's `dns.lookup` called with `all: true`. */
export type ResolveAddresses = (
  hostname: string,
  options: { all: true; family?: number | undefined; hints?: number | undefined },
  callback: (error: Error | null, addresses: ResolvedAddress[]) => void,
) => void;

/** Options of {@link createPublicAddressFetch}. */
export interface PublicAddressFetchOptions {
  /** Also connect to loopback addresses (tests, local development). Private ones stay refused. */
  allowLoopback?: boolean | undefined;
  /** The resolver whose answers are checked and connected to. Default: Node's `dns.lookup`. */
  resolve?: ResolveAddresses | undefined;
  /** Certificate authorities to trust instead of the default ones, PEM (tests). */
  ca?: string | undefined;
}

type LookupCallback = (error: Error | null, address: string | ResolvedAddress[], family?: number) => void;

interface IncomingMessage {
  statusCode?: number | undefined;
  rawHeaders: string[];
  complete: boolean;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(error?: Error): unknown;
}

interface ClientRequest {
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(body?: Uint8Array): unknown;
}

interface NodeHttps {
  request(url: URL, options: Record<string, unknown>, callback: (response: IncomingMessage) => void): ClientRequest;
}

interface NodeDns {
  lookup: ResolveAddresses;
}

function refused(host: string, address: string): UpstreamError {
  return new UpstreamError(
    'forbidden_address',
    `${host} is served from ${address}, which is not a public address; the request was not sent`,
  );
}

/** The response of Node's `https` as a Fetch `Response`, its body streamed with backpressure. */
function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const status = res.statusCode ?? 502;
  if ([204, 205, 304].includes(status)) {
    res.resume();
    return new Response(null, { status, headers });
  }
  let done = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      res.on('data', (chunk) => {
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) res.pause();
      });
      res.on('end', () => {
        if (!done) controller.close();
        done = true;
      });
      const fail = (error: Error) => {
        if (!done) controller.error(error);
        done = true;
      };
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(new Error('The connection closed before the response was complete'));
      });
    },
    pull() {
      res.resume();
    },
    cancel() {
      done = true;
      res.destroy();
    },
  });
  return new Response(body, { status, headers });
}

/**
 * A `fetch` for https URLs that connects only to public addresses: the host name is resolved,
 * every address it resolves to must be public (not loopback, RFC 1918, CGNAT, link-local,
 * unique-local, site-local, multicast or reserved, nor an IPv6 form embedding one: IPv4-mapped,
 * IPv4-compatible, NAT64, 6to4), and the connection is made to those same checked addresses
 * (DNS rebinding between check and connection is impossible). An IP literal host is judged
 * directly. A refusal rejects with `UpstreamError` reason `forbidden_address`; nothing is sent.
 * Redirects are returned, not followed; each request has its own connection.
 *
 * `null` where Node's `https` and `dns` modules cannot be reached (`process.getBuiltinModule`:
 * Node 20.16+; other runtimes that provide it may work but are not tested), for example on
 * Cloudflare Workers or in a browser.
 *
 * @example
 * ```ts
 * const guarded = createPublicAddressFetch();
 * const { json } = await fetchJson(clientIdUrl, {}, { fetch: guarded ?? undefined, timeoutMs: 5000, maxResponseBytes: 5120 });
 * ```
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 * @see https://www.rfc-editor.org/rfc/rfc6890
 */
export function createPublicAddressFetch(options: PublicAddressFetchOptions = {}): typeof fetch | null {
  const https = nodeBuiltin<NodeHttps>('node:https');
  const dns = nodeBuiltin<NodeDns>('node:dns');
  if (!https || typeof https.request !== 'function' || !dns || typeof dns.lookup !== 'function') return null;
  const resolve = options.resolve ?? dns.lookup;
  const allowed = (kind: AddressKind | null) => kind === 'public' || (kind === 'loopback' && options.allowLoopback === true);

  const lookup = (hostname: string, opts: { all?: boolean; family?: number; hints?: number }, callback: LookupCallback) => {
    resolve(hostname, { all: true, family: opts.family, hints: opts.hints }, (error, addresses) => {
      if (error) return callback(error, []);
      if (addresses.length === 0) return callback(new UpstreamError('network', `${hostname} did not resolve`), []);
      const bad = addresses.find((a) => !allowed(ipAddressKind(a.address)));
      if (bad) return callback(refused(hostname, bad.address), []);
      if (opts.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };

  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== 'https:') throw new TypeError('Only https URLs are fetched');
    const literal = ipAddressKind(url.hostname);
    if (literal !== null && !allowed(literal)) throw refused(url.hostname, url.hostname);
    request.signal.throwIfAborted();
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    return new Promise<Response>((resolvePromise, reject) => {
      const req = https.request(
        url,
        {
          method: request.method,
          headers: Object.fromEntries(request.headers),
          lookup,
          signal: request.signal,
          agent: false,
          ...(options.ca === undefined ? {} : { ca: options.ca }),
        },
        (res) => {
          try {
            resolvePromise(toResponse(res));
          } catch (error) {
            res.destroy();
            reject(error);
          }
        },
      );
      // Like fetch, an aborted request rejects with the signal's reason (a TimeoutError for AbortSignal.timeout).
      req.on('error', (error) => reject(request.signal.aborted ? request.signal.reason : error));
      req.end(body);
    });
  }) as typeof fetch;
}
