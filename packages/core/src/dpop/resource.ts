/**
 * DPoP at a resource server (RFC 9449 §7): the bearer guard's option, the `DPoP` authorization
 * scheme, and the challenge parameters.
 *
 * @module
 */
import { BearerError } from '../errors/errors.js';
import type { DPoPChallengeOptions } from '../errors/response.js';
import type { Clock } from '../lib/clock.js';
import { MemoryStore } from '../storage/memory-store.js';
import type { KeyValueStore } from '../storage/store.js';
import { DPoPProofVerifier, type DPoPProofOptions } from './proof.js';

/**
 * DPoP at a protected resource (the bearer guard's `dpop` option): the proof checks, and whether
 * Bearer is still accepted for tokens not bound to a key.
 *
 * @example
 * ```ts
 * const dpop: ResourceDPoPOptions = { required: true, store: new RedisStore({ url }), nonce: { secret: process.env.DPOP_NONCE_SECRET! } };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 */
export interface ResourceDPoPOptions extends Omit<DPoPProofOptions, 'store' | 'now'> {
  /** Refuse Bearer: every token must be DPoP-bound and presented with a proof. Default `false`. */
  required?: boolean | undefined;
  /** Where used proofs are remembered (shared by every instance: `RedisStore`). Default: a `MemoryStore`. */
  store?: KeyValueStore | undefined;
}

/** The guard's DPoP, resolved. */
export interface ResourceDPoP {
  verifier: DPoPProofVerifier;
  required: boolean;
  /** The challenge options for a refusal of a request that used `scheme`. */
  challenge(scheme: 'bearer' | 'dpop' | undefined): DPoPChallengeOptions;
}

/** Resolve the guard's `dpop` option; throws `TypeError` for bad options. */
export function createResourceDPoP(options: ResourceDPoPOptions, now: Clock): ResourceDPoP {
  if (typeof options !== 'object' || options === null) throw new TypeError('createBearerGuard: dpop must be an object');
  if (options.required !== undefined && typeof options.required !== 'boolean')
    throw new TypeError('createBearerGuard: dpop.required must be a boolean');
  const { required = false, store = new MemoryStore({ now }), ...proof } = options;
  const verifier = new DPoPProofVerifier({ ...proof, store, now });
  return { verifier, required, challenge: (scheme) => ({ algs: verifier.algorithms, required, errorScheme: scheme }) };
}

const DPOP_CREDENTIALS = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The access token of `Authorization: DPoP <token>` (RFC 9449 §7.1); `undefined` when the header
 * uses another scheme; `BearerError('invalid_request')` for a malformed one.
 */
export function dpopAccessToken(header: string): string | undefined {
  if (!/^DPoP(?: |$)/i.test(header)) return undefined;
  const match = DPOP_CREDENTIALS.exec(header);
  if (!match) throw new BearerError('invalid_request', 'The Authorization header must be "DPoP <token>"');
  return match[1]!;
}
