/** JWS algorithms the verifier accepts, by key kind (RFC 7518 §3.1, RFC 8037 §3.1). */

/** HMAC algorithms, for a shared secret. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
/** Asymmetric algorithms, for a public key or a JWKS. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/**
 * A JWS algorithm the verifier supports (`none` never is).
 *
 * @example
 * ```ts
 * const algorithms: JwsAlgorithm[] = ['RS256', 'ES256'];
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 */
export type JwsAlgorithm = (typeof HMAC_ALGORITHMS)[number] | (typeof ASYMMETRIC_ALGORITHMS)[number];

const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
const EC_BY_CURVE: Record<string, JwsAlgorithm> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
const HMAC_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

export function isHmac(alg: string): boolean {
  return (HMAC_ALGORITHMS as readonly string[]).includes(alg);
}

export function isAsymmetric(alg: string): boolean {
  return (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg);
}

/** Smallest HMAC key for an algorithm: the size of its hash output (RFC 7518 §3.2). */
export function hmacMinBytes(alg: string): number {
  return HMAC_MIN_BYTES[alg] ?? Infinity;
}

/**
 * Algorithms a public key of this shape can verify: its `alg` when it names one, else every
 * algorithm of its key type (`[]` for a key we cannot use).
 */
export function algorithmsForJwk(jwk: { kty?: unknown; crv?: unknown; alg?: unknown }): JwsAlgorithm[] {
  if (typeof jwk.alg === 'string') return isAsymmetric(jwk.alg) ? [jwk.alg as JwsAlgorithm] : [];
  if (jwk.kty === 'RSA') return [...RSA];
  if (jwk.kty === 'EC' && typeof jwk.crv === 'string') return EC_BY_CURVE[jwk.crv] ? [EC_BY_CURVE[jwk.crv]!] : [];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return ['EdDSA', 'Ed25519'];
  return [];
}

/** The one algorithm a WebCrypto public key is bound to (`[]` when it is no JWS verification key). */
export function algorithmsForCryptoKey(key: CryptoKey): JwsAlgorithm[] {
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string };
  const bits = algorithm.hash?.name.replace('SHA-', '');
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      return bits ? [`RS${bits}` as JwsAlgorithm] : [];
    case 'RSA-PSS':
      return bits ? [`PS${bits}` as JwsAlgorithm] : [];
    case 'ECDSA':
      return algorithm.namedCurve && EC_BY_CURVE[algorithm.namedCurve] ? [EC_BY_CURVE[algorithm.namedCurve]!] : [];
    case 'Ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      return [];
  }
}
