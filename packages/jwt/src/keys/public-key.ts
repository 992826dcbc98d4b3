import { ConfigurationError } from '@mcpauth/core';
import { errors as joseErrors, exportJWK, importJWK, importSPKI, importX509, type JWK, type JWTVerifyGetKey } from 'jose';
import { algorithmsForCryptoKey, algorithmsForJwk, type JwsAlgorithm } from './algorithms.js';

/**
 * A public key as `JWTVerifier` accepts it: PEM (`PUBLIC KEY` or `CERTIFICATE`), a public JWK, or
 * a WebCrypto public `CryptoKey`.
 *
 * @example
 * ```ts
 * const key: PublicKeyInput = { kty: 'EC', crv: 'P-256', x: '…', y: '…' };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export type PublicKeyInput = string | JWK | CryptoKey;

const PEM = /^-----BEGIN (PUBLIC KEY|CERTIFICATE)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----\s*$/;
const PEM_TRIAL_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}

/**
 * Check a public key option at construction and return the algorithms its kind allows (`null`
 * for a PEM, whose kind is only known once imported). Throws `TypeError` for anything that is
 * not a usable public key.
 */
export function checkPublicKey(input: unknown): JwsAlgorithm[] | null {
  if (typeof input === 'string') {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(input))
      throw new TypeError('JWTVerifier: publicKey is a private key; pass the public key');
    if (!PEM.test(`${input.trim()}\n`))
      throw new TypeError('JWTVerifier: publicKey must be a PEM "PUBLIC KEY" (SPKI) or "CERTIFICATE", a JWK or a CryptoKey');
    return null;
  }
  if (isCryptoKey(input)) {
    if (input.type !== 'public') throw new TypeError('JWTVerifier: publicKey must be a public CryptoKey (use `secret` for HMAC)');
    const algorithms = algorithmsForCryptoKey(input);
    if (algorithms.length === 0) throw new TypeError(`JWTVerifier: publicKey is a ${input.algorithm.name} key, not a JWS verification key`);
    return algorithms;
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const jwk = input as JWK;
    if (jwk.kty === 'oct') throw new TypeError('JWTVerifier: publicKey is a symmetric JWK; pass the secret as `secret`');
    if (jwk.d !== undefined) throw new TypeError('JWTVerifier: publicKey is a private JWK; pass the public key');
    const algorithms = algorithmsForJwk(jwk);
    if (algorithms.length === 0)
      throw new TypeError(`JWTVerifier: publicKey JWK has an unsupported key type or algorithm (kty ${String(jwk.kty)})`);
    return algorithms;
  }
  throw new TypeError('JWTVerifier: publicKey must be a PEM string, a JWK or a CryptoKey');
}

async function pemToJwk(pem: string): Promise<JWK> {
  const importer = pem.includes('BEGIN CERTIFICATE') ? importX509 : importSPKI;
  for (const alg of PEM_TRIAL_ALGORITHMS) {
    try {
      return await exportJWK(await importer(pem, alg, { extractable: true }));
    } catch {
      // not this key type: try the next
    }
  }
  throw new ConfigurationError('JWTVerifier: publicKey PEM holds no RSA, EC (P-256/384/521) or Ed25519 public key');
}

/** A jose key resolver over one public key, and the keys it has imported, by algorithm. */
export type PublicKeyResolver = JWTVerifyGetKey & {
  /** The CryptoKey for `alg` when it was imported (or given) and fits; `undefined` otherwise. */
  peek: (alg: string) => CryptoKey | undefined;
};

/**
 * A jose key resolver over one public key. A PEM is imported once, on first use; the key is
 * imported once per algorithm; a token whose `alg` does not fit the key's type is refused as a
 * disallowed algorithm before any signature check.
 */
export function publicKeyResolver(input: PublicKeyInput): PublicKeyResolver {
  if (isCryptoKey(input)) {
    const algorithms: readonly string[] = algorithmsForCryptoKey(input);
    const resolve: JWTVerifyGetKey = (header) => {
      if (!algorithms.includes(header.alg)) throw new joseErrors.JOSEAlgNotAllowed('"alg" does not fit the configured key');
      return input;
    };
    return Object.assign(resolve, { peek: (alg: string) => (algorithms.includes(alg) ? input : undefined) });
  }
  let loaded: Promise<{ jwk: JWK; algorithms: ReadonlySet<string> }> | undefined;
  const load = async () => {
    const jwk = typeof input === 'string' ? await pemToJwk(input) : input;
    return { jwk, algorithms: new Set<string>(algorithmsForJwk(jwk)) };
  };
  // keys imported per algorithm; once imported, a token's key is returned without an await
  const imported = new Map<string, CryptoKey>();
  const importFor = async (alg: string): Promise<CryptoKey> => {
    loaded ??= load();
    const { jwk, algorithms } = await loaded;
    if (!algorithms.has(alg)) throw new joseErrors.JOSEAlgNotAllowed('"alg" does not fit the configured key');
    const cryptoKey = (await importJWK(jwk, alg)) as CryptoKey;
    imported.set(alg, cryptoKey);
    return cryptoKey;
  };
  const resolve: JWTVerifyGetKey = (header) => imported.get(header.alg) ?? importFor(header.alg);
  return Object.assign(resolve, { peek: (alg: string) => imported.get(alg) });
}
