import { utf8 } from './encoding.js';

/**
 * The least key material the project signs, encrypts or derives keys from: 32 bytes (256 bits,
 * the HS256 / AES-256 key size). One rule for `jwtSigningKey`, the client secret an `OAuthProxy`
 * derives its keys from without one, `deriveJwtKey`'s high-entropy material and `JWTIssuer` keys.
 */
export const MIN_KEY_BYTES = 32;

/** Bytes of key material: a string counts as its UTF-8 encoding; anything else is 0. */
export function keyMaterialLength(value: unknown): number {
  if (typeof value === 'string') return utf8(value).length;
  return value instanceof Uint8Array ? value.length : 0;
}

/** Whether `value` is a string or bytes of at least {@link MIN_KEY_BYTES} bytes. */
export function isStrongKeyMaterial(value: unknown): boolean {
  return keyMaterialLength(value) >= MIN_KEY_BYTES;
}
