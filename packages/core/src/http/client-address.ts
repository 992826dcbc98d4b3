/**
 * The network address a Fetch `Request` came from. A `Request` carries none, so the server
 * adapter records it: the Node adapter (`toNodeHandler`, `toFetchRequest`) records the socket's
 * remote address. `X-Forwarded-For` is never read here: behind a reverse proxy, pass a
 * `clientAddress` function that trusts exactly your proxy's header.
 *
 * @module
 */

const addresses = new WeakMap<Request, string>();

/**
 * Record the network address `request` came from, for the per-address limits of the
 * authorization server (registration rate limit). Server adapters call it; call it yourself in
 * an adapter of your own (Bun: `server.requestIP(request)?.address`).
 *
 * @example
 * ```ts
 * Bun.serve({ fetch: (request, server) => {
 *   setClientAddress(request, server.requestIP(request)?.address);
 *   return auth.handler(request);
 * } });
 * ```
 */
export function setClientAddress(request: Request, address: string | undefined): void {
  if (typeof address === 'string' && address.length > 0) addresses.set(request, address);
}

/**
 * The network address recorded for `request` by {@link setClientAddress}, or `undefined`.
 *
 * @example
 * ```ts
 * const address = clientAddressOf(request) ?? 'unknown';
 * ```
 */
export function clientAddressOf(request: Request): string | undefined {
  return addresses.get(request);
}
