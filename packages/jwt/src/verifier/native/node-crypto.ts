import { nodeBuiltin } from '@mcpauth/core/kit';
import type * as NodeBuffer from 'node:buffer';
import type * as NodeCrypto from 'node:crypto';

/** The parts of `node:crypto` and `node:buffer` the fast path uses. */
export interface NativeCrypto {
  crypto: Pick<typeof NodeCrypto, 'KeyObject' | 'createSecretKey' | 'createHmac' | 'verify' | 'timingSafeEqual' | 'constants'>;
  Buffer: typeof NodeBuffer.Buffer;
}

/**
 * `node:crypto` and `node:buffer`, reached at run time (`process.getBuiltinModule`: Node ≥ 20.16,
 * Bun, Deno) so that the package has no static `node:` import; `undefined` where the runtime has
 * none (Workers, browsers), and the verifier keeps to jose.
 */
export function nativeCrypto(): NativeCrypto | undefined {
  const crypto = nodeBuiltin<Partial<NativeCrypto['crypto']>>('node:crypto');
  const buffer = nodeBuiltin<Partial<typeof NodeBuffer>>('node:buffer');
  if (typeof crypto?.verify !== 'function' || typeof crypto.KeyObject?.from !== 'function' || typeof buffer?.Buffer?.from !== 'function')
    return undefined;
  return { crypto: crypto as NativeCrypto['crypto'], Buffer: buffer.Buffer };
}
