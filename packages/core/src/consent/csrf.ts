import { hmacSign, hmacVerify } from '../lib/hmac.js';
import { randomToken, timingSafeEqual } from '../lib/crypto.js';

/**
 * Signed double-submit CSRF token for one consent transaction: `nonce.mac` where
 * `mac = HMAC(key, "csrf|" + transaction + "|" + nonce)`. The same value goes into a cookie and
 * a hidden form field; {@link verifyCsrfToken} needs both, equal, and signed for this transaction.
 */
export async function issueCsrfToken(key: Uint8Array, transaction: string): Promise<string> {
  const nonce = randomToken(16);
  return `${nonce}.${await hmacSign(key, `csrf|${transaction}|${nonce}`)}`;
}

/** Whether the cookie and form values are the same token, signed for this transaction. */
export async function verifyCsrfToken(key: Uint8Array, transaction: string, cookie: string | null, field: string | null): Promise<boolean> {
  if (!cookie || !field || !timingSafeEqual(cookie, field)) return false;
  const dot = field.indexOf('.');
  if (dot <= 0) return false;
  return hmacVerify(key, `csrf|${transaction}|${field.slice(0, dot)}`, field.slice(dot + 1));
}
