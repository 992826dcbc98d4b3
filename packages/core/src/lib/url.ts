/**
 * Whether a URL hostname is `localhost`, an IPv4 loopback address (127.0.0.0/8) or `[::1]`.
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL('http://127.0.0.1:8080').hostname); // true
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-8.3
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Whether a URL may carry credentials or keys: `https:`, or `http:` on a loopback host (for local
 * development and tests).
 *
 * @example
 * ```ts
 * isSecureUrl(new URL('http://localhost:3000/jwks')); // true
 * isSecureUrl(new URL('http://idp.example.com/jwks')); // false
 * ```
 */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * Parse an option that names an endpoint: it must be an absolute `https:` URL (`http:` only on a
 * loopback host) without a fragment. Throws `TypeError` naming the option otherwise: the one
 * check every verifier and provider runs on its endpoint options.
 *
 * @example
 * ```ts
 * const jwksUri = secureUrl(options.jwksUri, 'JWTVerifier: jwksUri');
 * ```
 */
export function secureUrl(value: unknown, name: string): URL {
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    throw new TypeError(`${name} must be an absolute URL`);
  }
  if (!isSecureUrl(url)) throw new TypeError(`${name} must use https (http is accepted only on a loopback host)`);
  if (url.hash) throw new TypeError(`${name} must not have a fragment`);
  return url;
}
