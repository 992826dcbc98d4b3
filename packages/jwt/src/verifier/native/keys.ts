import type { NativeCrypto } from './node-crypto.js';
import { currentEcSignatureForm, signatureCheck, type SignatureCheck } from './signature.js';

const CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/**
 * Whether jose would verify `alg` with this CryptoKey without a `TypeError` (its key checks: a
 * public key, usable for `verify`, of the algorithm's name, hash or curve, RSA of at least 2048
 * bits). A key that fails them is left to jose, which refuses it with its own error.
 */
function fitsJose(key: CryptoKey, alg: string): boolean {
  if (key.type !== 'public' || !key.usages.includes('verify')) return false;
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string; modulusLength?: number };
  const family = alg.slice(0, 2);
  if (family === 'RS' || family === 'PS') {
    return (
      algorithm.name === (family === 'RS' ? 'RSASSA-PKCS1-v1_5' : 'RSA-PSS') &&
      algorithm.hash?.name === `SHA-${alg.slice(2)}` &&
      typeof algorithm.modulusLength === 'number' &&
      algorithm.modulusLength >= 2048
    );
  }
  if (family === 'ES') return algorithm.name === 'ECDSA' && algorithm.namedCurve === CURVES[alg];
  if (alg === 'EdDSA' || alg === 'Ed25519') return algorithm.name === 'Ed25519';
  return false;
}

/**
 * Signature checks built once per key: each public CryptoKey jose imported (from the JWKS, the
 * PEM or the JWK) becomes one `KeyObject` per algorithm, the first time the fast path meets it.
 * Weakly held: a key dropped by a JWKS refresh goes with its checks.
 */
export class NativeKeys {
  readonly #native: NativeCrypto;
  readonly #ecForm = currentEcSignatureForm();
  readonly #checks = new WeakMap<CryptoKey, Map<string, SignatureCheck | null>>();

  constructor(native: NativeCrypto) {
    this.#native = native;
  }

  /** The check for `alg` with a key jose selected; `undefined` when it is jose's to refuse. */
  forCryptoKey(key: unknown, alg: string): SignatureCheck | undefined {
    if (typeof key !== 'object' || key === null || (key as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] !== 'CryptoKey')
      return undefined;
    const cryptoKey = key as CryptoKey;
    let byAlg = this.#checks.get(cryptoKey);
    if (byAlg === undefined) {
      byAlg = new Map();
      this.#checks.set(cryptoKey, byAlg);
    }
    let check = byAlg.get(alg);
    if (check === undefined) {
      check = fitsJose(cryptoKey, alg)
        ? (signatureCheck(this.#native, alg, this.#native.crypto.KeyObject.from(cryptoKey), this.#ecForm) ?? null)
        : null;
      byAlg.set(alg, check);
    }
    return check ?? undefined;
  }

  /** Checks for an HMAC secret, one per algorithm. */
  forSecret(secret: Uint8Array, algorithms: readonly string[]): Map<string, SignatureCheck> {
    const key = this.#native.crypto.createSecretKey(secret);
    const checks = new Map<string, SignatureCheck>();
    for (const alg of algorithms) {
      const check = signatureCheck(this.#native, alg, key, this.#ecForm);
      if (check) checks.set(alg, check);
    }
    return checks;
  }
}
