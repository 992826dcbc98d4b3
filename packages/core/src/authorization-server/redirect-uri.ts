/**
 * Redirect URIs: which ones a client may register, how a requested one is matched against the
 * registration, and how the authorization response is appended to it.
 *
 * @module
 */
import { isLoopbackHost } from '../lib/url.js';

/** Schemes that are never a redirect target: script, local content, and web schemes other than https. */
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'vbscript:',
  'data:',
  'blob:',
  'file:',
  'filesystem:',
  'about:',
  'view-source:',
  'ftp:',
  'ws:',
  'wss:',
  'mailto:',
  'tel:',
  'sms:',
]);

/** Longest redirect URI accepted. */
export const MAX_REDIRECT_URI_LENGTH = 2048;

/**
 * Whether a parsed URL is `http:` on a loopback host (RFC 8252 §7.3 names the IP literals;
 * `localhost` is common in practice): the one loopback rule, `isLoopbackHost`.
 */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/**
 * Why a redirect URI cannot be registered, or `null` when it can: it must be an absolute URL of
 * at most 2048 characters without fragment, user info, whitespace or control characters, and use
 * `https`, `http` on a loopback host, or a private-use scheme (RFC 8252 §7.1) that is not a
 * script, local-content or web scheme.
 *
 * @example
 * ```ts
 * redirectUriProblem('http://127.0.0.1:8080/callback'); // null
 * redirectUriProblem('http://localhost@evil.example/'); // 'must not contain user information'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length === 0 || uri.length > MAX_REDIRECT_URI_LENGTH) return `must be 1 to ${MAX_REDIRECT_URI_LENGTH} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern rejects
  if (/[\u0000-\u0020\u007f\\]/.test(uri)) return 'must not contain whitespace, control characters or backslashes';
  if (uri.includes('#')) return 'must not contain a fragment';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain user information';
  if (url.protocol === 'https:') return url.hostname === '' ? 'must name a host' : null;
  if (url.protocol === 'http:') return isLoopbackHttp(url) ? null : 'must use https (http is allowed only on a loopback host)';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `must not use the ${url.protocol} scheme`;
  return null;
}

/**
 * The redirect URI to use for an authorization request, or `null` when `requested` is not
 * registered. Matching is exact string comparison, except for loopback `http` URIs, whose port
 * may differ from the registered one (RFC 8252 §7.3: native apps bind an ephemeral port).
 *
 * @example
 * ```ts
 * matchRedirectUri(['http://127.0.0.1/callback'], 'http://127.0.0.1:53121/callback'); // the requested URI
 * matchRedirectUri(['http://localhost/cb'], 'http://localhost@evil.example/cb');     // null
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2.3
 */
export function matchRedirectUri(registered: readonly string[], requested: string): string | null {
  if (registered.includes(requested)) return requested;
  if (redirectUriProblem(requested) !== null) return null;
  const wanted = new URL(requested);
  if (!isLoopbackHttp(wanted)) return null;
  wanted.port = '';
  for (const candidate of registered) {
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (!isLoopbackHttp(url) || url.username !== '' || url.password !== '' || url.hash !== '') continue;
    url.port = '';
    if (url.href === wanted.href) return requested;
  }
  return null;
}

/**
 * Append authorization response parameters (`code`, `state`, `iss`, or `error`,
 * `error_description`) to a redirect URI, keeping its own query string as it is. Undefined
 * values are left out.
 *
 * @example
 * ```ts
 * authorizationResponseUrl('https://app.example.com/cb', { code, state, iss: 'https://auth.example.com' });
 * // 'https://app.example.com/cb?code=…&state=…&iss=https%3A%2F%2Fauth.example.com'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
 */
export function authorizationResponseUrl(redirectUri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.append(k, v);
  const separator = redirectUri.includes('?') ? (redirectUri.endsWith('?') || redirectUri.endsWith('&') ? '' : '&') : '?';
  return `${redirectUri}${separator}${query.toString()}`;
}
