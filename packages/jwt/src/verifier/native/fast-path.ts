import type { PublicKeyResolver } from '../../keys/public-key.js';
import type { VerifierConfig } from '../config.js';
import { normalizeTyp } from './jose-rules.js';
import { NativeVerifier, type KeySource } from './native-verifier.js';
import { nativeCrypto } from './node-crypto.js';

/** The native fast path for a verifier's configuration, or `undefined` when it is off or the runtime has no `node:crypto`. */
export function createFastPath(config: VerifierConfig): NativeVerifier | undefined {
  if (!config.nativeCrypto) return undefined;
  const native = nativeCrypto();
  if (native === undefined) return undefined;
  const { key, keySet } = config;
  let source: KeySource;
  if (key instanceof Uint8Array) source = { secret: key };
  else if (keySet !== undefined) source = { peek: (alg, kid) => keySet.peek(alg, kid) };
  else {
    const peek = (key as Partial<PublicKeyResolver>).peek;
    if (peek === undefined) return undefined;
    source = { peek: (alg) => peek(alg) };
  }
  return new NativeVerifier(native, config.algorithms, source, {
    issuer: config.issuer,
    // a function form runs on the verified payload (JWTVerifier's #claims), like with jose
    audience: Array.isArray(config.audience) ? config.audience : undefined,
    requireExp: config.requireExp,
    maxTokenAge: config.maxTokenAge,
    clockTolerance: config.clockTolerance,
    typ: config.typ === undefined ? undefined : normalizeTyp(config.typ),
  });
}
