import { base64url, utf8 } from './encoding.js';
import { timingSafeEqual } from './crypto.js';

const keys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function importKey(key: Uint8Array): Promise<CryptoKey> {
  let imported = keys.get(key);
  if (!imported) {
    imported = crypto.subtle.importKey('raw', new Uint8Array(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(key, imported);
  }
  return imported;
}

/** HMAC-SHA256 of `data` under `key`, base64url-encoded. */
export async function hmacSign(key: Uint8Array, data: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', await importKey(key), utf8(data))));
}

/** Whether `mac` is the HMAC-SHA256 of `data` under `key` (constant-time comparison). */
export async function hmacVerify(key: Uint8Array, data: string, mac: string): Promise<boolean> {
  return timingSafeEqual(await hmacSign(key, data), mac);
}
