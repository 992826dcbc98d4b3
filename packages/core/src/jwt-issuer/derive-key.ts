import { utf8 } from '../lib/encoding.js';
import { MIN_KEY_BYTES, isStrongKeyMaterial } from '../lib/key-material.js';

/** Key material for {@link deriveJwtKey}: exactly one of the two. */
export type JwtKeyMaterial =
  | {
      /** Random, high-entropy material of at least 32 bytes (an upstream client secret, a 32-byte random key): HKDF-SHA256. */
      highEntropyMaterial: string | Uint8Array;
      lowEntropyMaterial?: never;
    }
  | {
      /** Human-chosen material (a passphrase): PBKDF2-SHA256 with 600 000 iterations. */
      lowEntropyMaterial: string | Uint8Array;
      highEntropyMaterial?: never;
    };

/**
 * PBKDF2 iterations for low-entropy material (OWASP 2023 recommendation for PBKDF2-HMAC-SHA256).
 *
 * @example
 * ```ts
 * console.log(`passphrases are stretched with ${PBKDF2_ITERATIONS} PBKDF2 iterations`);
 * ```
 */
export const PBKDF2_ITERATIONS = 600_000;
const HKDF_INFO = utf8('mcp-auth/jwt-signing-key/v1');

function bytes(value: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return typeof value === 'string' ? utf8(value) : (new Uint8Array(value) as Uint8Array<ArrayBuffer>);
}

/**
 * Derive a 32-byte key (for HS256 signing or AES-256-GCM) from key material and a server salt,
 * with WebCrypto: HKDF-SHA256 for high-entropy material, PBKDF2-SHA256 (600 000 iterations) for
 * low-entropy material. Same inputs, same key, on every instance.
 *
 * @example
 * ```ts
 * const signingKey = await deriveJwtKey({ highEntropyMaterial: process.env.UPSTREAM_CLIENT_SECRET! }, 'my-mcp-server');
 * const issuer = new JWTIssuer({ issuer, audience, signingKey });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5869
 * @see https://www.rfc-editor.org/rfc/rfc8018#section-5.2
 */
export async function deriveJwtKey(material: JwtKeyMaterial, salt: string | Uint8Array): Promise<Uint8Array> {
  const high = material.highEntropyMaterial;
  const low = material.lowEntropyMaterial;
  if ((high === undefined) === (low === undefined)) {
    throw new TypeError('deriveJwtKey: pass exactly one of highEntropyMaterial or lowEntropyMaterial');
  }
  const input = bytes((high ?? low)!);
  if (input.length === 0) throw new TypeError('deriveJwtKey: key material must not be empty');
  // HKDF does not stretch: shorter material than the key it makes would be a weaker key.
  if (high !== undefined && !isStrongKeyMaterial(input)) {
    throw new TypeError(
      `deriveJwtKey: highEntropyMaterial must be at least ${MIN_KEY_BYTES} bytes (use lowEntropyMaterial for a passphrase)`,
    );
  }
  const saltBytes = bytes(salt);
  if (saltBytes.length === 0) throw new TypeError('deriveJwtKey: salt must not be empty');
  if (high !== undefined) {
    const key = await crypto.subtle.importKey('raw', input, 'HKDF', false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: saltBytes, info: HKDF_INFO }, key, 256);
    return new Uint8Array(bits);
  }
  const key = await crypto.subtle.importKey('raw', input, 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: saltBytes, iterations: PBKDF2_ITERATIONS },
    key,
    256,
  );
  return new Uint8Array(bits);
}
