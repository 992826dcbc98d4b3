import type { KeyObject } from 'node:crypto';
import type { NativeCrypto } from './node-crypto.js';

/** A signature check bound to one key and one algorithm: synchronous, or on libuv's thread pool (the callback form). */
export type SignatureCheck =
  | { sync: (data: Uint8Array, signature: Uint8Array) => boolean; async?: never }
  | { sync?: never; async: (data: Uint8Array, signature: Uint8Array) => Promise<boolean> };

/** How ECDSA signatures are checked: `sync` blocks the event loop for the check, `callback` runs it on the thread pool. */
export type EcSignatureForm = 'sync' | 'callback';

/**
 * Chosen by measurement (bench/native.bench.ts, a 2-core machine, CPU per verification against
 * bare jose): synchronous 2.4× at 1 in flight against 1.2× for the callback form, 1.5× against
 * 1.2× at 16 in flight; the callback form only wins wall time at 16 in flight (it uses both
 * cores), and the event-loop delay under 16 concurrent checks was no better with it. See the README.
 */
let ecForm: EcSignatureForm = 'sync';

/** The form verifiers constructed from now on use. Benchmarks compare both; not part of the public API. */
export function setEcSignatureForm(form: EcSignatureForm): void {
  ecForm = form;
}

export function currentEcSignatureForm(): EcSignatureForm {
  return ecForm;
}

type VerifyKey = KeyObject | { key: KeyObject; padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' };

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    // a signature OpenSSL cannot even parse: not valid (jose: JWSSignatureVerificationFailed)
    return false;
  }
}

function checkWith({ crypto }: NativeCrypto, hash: string | null, key: VerifyKey, form: EcSignatureForm): SignatureCheck {
  if (form === 'sync') return { sync: (data, signature) => safe(() => crypto.verify(hash, data, key, signature)) };
  return {
    async: (data, signature) =>
      new Promise<boolean>((resolve) => {
        try {
          crypto.verify(hash, data, key, signature, (err, ok) => resolve(err === null && ok));
        } catch {
          resolve(false);
        }
      }),
  };
}

/**
 * The signature check of JWS algorithm `alg` with `key` (RFC 7518 §3): the same primitives as
 * jose's WebCrypto calls (PKCS #1 v1.5, PSS with the salt as long as the hash, ECDSA with the
 * r‖s encoding, Ed25519, HMAC compared in constant time). `undefined` for an algorithm it does
 * not know.
 */
export function signatureCheck(native: NativeCrypto, alg: string, key: KeyObject, form: EcSignatureForm): SignatureCheck | undefined {
  const bits = alg.slice(2);
  const hash = `sha${bits}`;
  const { crypto } = native;
  switch (alg.slice(0, 2)) {
    case 'RS':
      return checkWith(native, hash, key, 'sync');
    case 'PS':
      return checkWith(native, hash, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 }, 'sync');
    case 'ES':
      return checkWith(native, hash, { key, dsaEncoding: 'ieee-p1363' }, form);
    case 'Ed':
      return checkWith(native, null, key, 'sync');
    case 'HS':
      return {
        sync: (data, signature) => {
          const mac = crypto.createHmac(hash, key).update(data).digest();
          return mac.length === signature.length && crypto.timingSafeEqual(mac, signature);
        },
      };
    default:
      return undefined;
  }
}
