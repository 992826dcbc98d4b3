/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9) without server state: a nonce names a time
 * window and carries an HMAC of it, so every instance holding the same secret issues and accepts
 * the same nonces, and nothing an anonymous caller does writes to a store.
 *
 * @module
 */
import { deriveJwtKey } from '../jwt-issuer/derive-key.js';
import type { Clock } from '../lib/clock.js';
import { hmacSign, hmacVerify } from '../lib/hmac.js';
import { isStrongKeyMaterial, MIN_KEY_BYTES } from '../lib/key-material.js';

/**
 * Server nonces for DPoP proofs: the secret they are derived from (the same on every instance)
 * and how long one stays valid.
 *
 * @example
 * ```ts
 * const nonce: DPoPNonceOptions = { secret: process.env.DPOP_NONCE_SECRET!, lifetime: 300 };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 */
export interface DPoPNonceOptions {
  /** At least 32 random bytes, shared by every instance. */
  secret: string | Uint8Array;
  /** Seconds a nonce is issued for; one is accepted for up to twice that. Default 300. */
  lifetime?: number | undefined;
}

/** Issues and checks the nonces: `<window>.<HMAC(window)>`, the current and the previous window accepted. */
export class DPoPNonces {
  readonly #key: Promise<Uint8Array>;
  readonly #lifetime: number;
  readonly #now: Clock;

  constructor(options: DPoPNonceOptions, now: Clock) {
    if (!options || !isStrongKeyMaterial(options.secret))
      throw new TypeError(`DPoP: nonce.secret must be at least ${MIN_KEY_BYTES} random bytes`);
    const lifetime = options.lifetime ?? 300;
    if (!Number.isFinite(lifetime) || lifetime < 1) throw new TypeError('DPoP: nonce.lifetime must be a positive number of seconds');
    this.#lifetime = Math.floor(lifetime);
    this.#now = now;
    this.#key = deriveJwtKey({ highEntropyMaterial: options.secret }, 'mcp-auth/dpop/nonce');
    // a derivation failure surfaces on first use; keep it from being an unhandled rejection meanwhile
    this.#key.catch(() => undefined);
  }

  #window(): number {
    return Math.floor(this.#now() / this.#lifetime);
  }

  /** The nonce of the current window. */
  async current(): Promise<string> {
    const window = this.#window().toString(36);
    return `${window}.${await hmacSign(await this.#key, `dpop-nonce:${window}`)}`;
  }

  /** Whether `nonce` is the current or the previous window's. */
  async valid(nonce: string): Promise<boolean> {
    if (nonce.length > 128) return false;
    const dot = nonce.indexOf('.');
    const window = nonce.slice(0, dot);
    if (dot <= 0 || !/^[0-9a-z]+$/.test(window)) return false;
    const age = this.#window() - Number.parseInt(window, 36);
    if (age !== 0 && age !== 1) return false;
    return hmacVerify(await this.#key, `dpop-nonce:${window}`, nonce.slice(dot + 1));
  }
}
