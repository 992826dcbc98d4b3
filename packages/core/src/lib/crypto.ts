import { base64url, utf8 } from './encoding.js';

/**
 * A random string with `bytes` bytes of entropy from WebCrypto, base64url-encoded. The default,
 * 32 bytes (256 bits), is above the 160 bits RFC 6749 §10.10 asks for codes and tokens.
 *
 * @example
 * ```ts
 * const code = randomToken(); // 43 characters
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.10
 */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * SHA-256 of a string, base64url-encoded. Used to key caches and stores by token without keeping
 * the token itself.
 *
 * @example
 * ```ts
 * const key = await sha256(token);
 * ```
 */
export async function sha256(text: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))));
}

/**
 * Compare two strings in time that depends only on their lengths, never on where they differ.
 * Use it for every comparison of secrets (client secrets, CSRF tokens, PKCE verifiers).
 *
 * @example
 * ```ts
 * if (!timingSafeEqual(presentedSecret, client.client_secret)) throw new TokenError('invalid_client');
 * ```
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8(a);
  const y = utf8(b);
  const length = Math.max(x.length, y.length);
  let diff = x.length ^ y.length;
  for (let i = 0; i < length; i++) diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

/**
 * The PKCE S256 code challenge of a verifier: `BASE64URL(SHA256(ASCII(verifier)))`.
 *
 * @example
 * ```ts
 * const challenge = await pkceChallenge(verifier);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(verifier))));
}

/**
 * Whether a PKCE code verifier is well-formed: 43 to 128 characters of `[A-Za-z0-9-._~]`.
 *
 * @example
 * ```ts
 * if (!isPkceVerifier(form.get('code_verifier') ?? '')) throw new TokenError('invalid_request', 'Malformed code_verifier');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function isPkceVerifier(value: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(value);
}
