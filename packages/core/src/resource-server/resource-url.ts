/**
 * Normalise a resource identifier for comparison (RFC 8707 §2): no fragment, no trailing slash
 * on the path. Returns `null` for a value that is not an absolute URL.
 *
 * @example
 * ```ts
 * normalizeResource('https://API.example.com/mcp/#x'); // 'https://api.example.com/mcp'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function normalizeResource(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  url.hash = '';
  let s = url.href;
  if (s.endsWith('/') && url.search === '') s = s.slice(0, -1);
  return s;
}

/**
 * Whether two resource identifiers name the same resource, ignoring a fragment and one trailing
 * slash. Query strings are significant.
 *
 * @example
 * ```ts
 * sameResource('https://api.example.com/mcp/', 'https://api.example.com/mcp'); // true
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function sameResource(a: string, b: string): boolean {
  const x = normalizeResource(a);
  return x !== null && x === normalizeResource(b);
}

/**
 * The RFC 9728 well-known URL of a resource's metadata: the well-known segment is inserted
 * between the host and the path (`https://api.example.com/mcp` →
 * `https://api.example.com/.well-known/oauth-protected-resource/mcp`).
 *
 * @example
 * ```ts
 * protectedResourceMetadataUrl('https://api.example.com/mcp');
 * // 'https://api.example.com/.well-known/oauth-protected-resource/mcp'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadataUrl(resource: string | URL): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}
