import { randomToken, sha256, timingSafeEqual } from '../lib/crypto.js';
import { cookieName, readCookie, setCookie, type CookiePolicy } from './cookies.js';

/** A browser binding issued at consent: the cookie to set and what the server keeps. */
export interface BrowserBinding {
  /** Short id naming the cookie (several flows may run in one browser). */
  id: string;
  /** SHA-256 of the cookie value: stored server side with the flow's state. */
  hash: string;
  /** The `Set-Cookie` value. */
  cookie: string;
}

const PREFIX = 'mcp-auth-bind-';

/**
 * Issue the cookie that binds an approved authorization to the browser that approved it; the
 * callback accepts the flow only from a browser presenting it ({@link verifyBrowserBinding}), so
 * an upstream authorization URL lured into another browser cannot complete there.
 */
export async function issueBrowserBinding(policy: CookiePolicy, ttlSeconds: number): Promise<BrowserBinding> {
  const id = randomToken(9);
  const value = randomToken();
  return { id, hash: await sha256(value), cookie: setCookie(policy, cookieName(policy, PREFIX + id), value, ttlSeconds) };
}

/** Whether the request carries the binding cookie `id` whose hash is `hash`. */
export async function verifyBrowserBinding(request: Request, policy: CookiePolicy, id: string, hash: string): Promise<boolean> {
  const value = readCookie(request, cookieName(policy, PREFIX + id));
  if (!value) return false;
  return timingSafeEqual(await sha256(value), hash);
}

/** The `Set-Cookie` value that deletes binding `id`. */
export function clearBrowserBinding(policy: CookiePolicy, id: string): string {
  return setCookie(policy, cookieName(policy, PREFIX + id), '', 0);
}
