import { isSecureUrl } from '../lib/url.js';
/**
 * Cookies of the consent flow. Over https they carry the `__Host-` prefix (so no other host or
 * path can set or shadow them), `Secure`, `HttpOnly`, `SameSite=Lax` and `Path=/`; over plain
 * http (allowed only on loopback, for development and tests) the prefix and `Secure` are dropped.
 */

/** How cookies are named and flagged for one deployment. */
export interface CookiePolicy {
  /** `true` for an https base URL: `__Host-` names and the `Secure` flag. */
  secure: boolean;
}

/** The cookie policy for a base URL: https → secure; http is only accepted on loopback. */
export function cookiePolicyFor(baseUrl: URL): CookiePolicy {
  if (baseUrl.protocol === 'https:') return { secure: true };
  if (isSecureUrl(baseUrl)) return { secure: false };
  throw new TypeError('baseUrl must use https (plain http is accepted only on loopback, for development)');
}

/** The cookie name for a base name under a policy. */
export function cookieName(policy: CookiePolicy, base: string): string {
  return policy.secure ? `__Host-${base}` : base;
}

/** A `Set-Cookie` value; `maxAgeSeconds` 0 deletes the cookie. */
export function setCookie(policy: CookiePolicy, name: string, value: string, maxAgeSeconds: number): string {
  const parts = [`${name}=${value}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`, 'HttpOnly', 'SameSite=Lax'];
  if (policy.secure) parts.push('Secure');
  return parts.join('; ');
}

/** The value of a request cookie, or `null`. */
export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
