import { importJWK, type JWK } from 'jose';
import { algorithmsForJwk } from './algorithms.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** A key of a fetched JWKS that was left out, and why (never key material). */
export interface SkippedKey {
  index: number;
  kid: string | undefined;
  reason: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Keep the members of a fetched JWKS that are usable public signature keys for the allowed
 * algorithms, so that one broken or foreign key never takes the others down: each kept key was
 * imported once with WebCrypto. Keys for encryption (`use: "enc"`) or for algorithms we do not
 * accept are left out silently; keys that are malformed, private, too weak or of an unknown type
 * are left out and listed in `skipped`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export async function usableKeys(keys: readonly unknown[], allowed: ReadonlySet<string>): Promise<{ keys: JWK[]; skipped: SkippedKey[] }> {
  const kept: JWK[] = [];
  const skipped: SkippedKey[] = [];
  for (let index = 0; index < keys.length; index++) {
    const jwk: unknown = keys[index];
    if (!isPlainObject(jwk)) {
      skipped.push({ index, kid: undefined, reason: 'not a JSON object' });
      continue;
    }
    const kid = typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined;
    const skip = (reason: string) => skipped.push({ index, kid, reason });
    if (jwk['use'] !== undefined && jwk['use'] !== 'sig') continue;
    if (PRIVATE_MEMBERS.some((member) => jwk[member] !== undefined)) {
      skip('private or symmetric key material');
      continue;
    }
    const candidates = algorithmsForJwk(jwk);
    if (candidates.length === 0) {
      skip(
        `unsupported key type or algorithm (kty ${JSON.stringify(jwk['kty'])}, crv ${JSON.stringify(jwk['crv'])}, alg ${JSON.stringify(jwk['alg'])})`,
      );
      continue;
    }
    const alg = candidates.find((a) => allowed.has(a));
    if (alg === undefined) continue;
    try {
      const key = (await importJWK(jwk as JWK, alg)) as CryptoKey;
      const modulusLength = (key.algorithm as { modulusLength?: number }).modulusLength;
      if (modulusLength !== undefined && modulusLength < 2048) {
        skip(`RSA key of ${modulusLength} bits (at least 2048 required)`);
        continue;
      }
    } catch {
      skip('malformed key parameters');
      continue;
    }
    kept.push(jwk as JWK);
  }
  return { keys: kept, skipped };
}
