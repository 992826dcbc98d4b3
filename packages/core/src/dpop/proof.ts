/**
 * DPoP proofs (RFC 9449 §4.3): the one check the token endpoint and the resource server share.
 *
 * @module
 */
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { DPoPError } from '../errors/errors.js';
import { sha256 } from '../lib/crypto.js';
import type { Clock } from '../lib/clock.js';
import { base64url, utf8 } from '../lib/encoding.js';
import { ASYMMETRIC_ALGORITHMS } from '../lib/jws.js';
import type { KeyValueStore } from '../storage/store.js';
import { DPoPNonces, type DPoPNonceOptions } from './nonce.js';

/** Longest proof accepted, in characters (a proof with an RSA-4096 key is about 1.5 KB). */
const MAX_PROOF_LENGTH = 8 * 1024;
/** Members of a JWK that only a private (or symmetric) key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Options of {@link DPoPProofVerifier}.
 *
 * @example
 * ```ts
 * const options: DPoPProofOptions = { store: new RedisStore({ url }), algorithms: ['ES256', 'EdDSA'], nonce: { secret: process.env.DPOP_NONCE_SECRET! } };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export interface DPoPProofOptions {
  /**
   * Where the `jti` of each accepted proof is remembered until its `iat` leaves the window, so a
   * proof is accepted once (RFC 9449 §11.1). A store shared by every instance (`RedisStore`)
   * makes this hold across instances.
   */
  store: KeyValueStore;
  /** Signature algorithms accepted (asymmetric only). Default: ES256/384/512, RS256/384/512, PS256/384/512, EdDSA. */
  algorithms?: readonly string[] | undefined;
  /** How far a proof's `iat` may be from now, either way, in seconds. Default 60. */
  iatWindow?: number | undefined;
  /** Server-provided nonces (RFC 9449 §8, §9): proofs must then carry a recent one. Default off. */
  nonce?: DPoPNonceOptions | undefined;
  /** Clock in seconds since the epoch. Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

/**
 * What a proof is checked against: the `DPoP` header value, the request's method and URL, and
 * the access token it comes with (at a resource; its hash must be the proof's `ath`).
 *
 * @example
 * ```ts
 * const input: DPoPProofInput = { proof: request.headers.get('dpop'), method: request.method, url: request.url, accessToken };
 * ```
 */
export interface DPoPProofInput {
  /** The `DPoP` header (several headers arrive comma-joined and are refused). */
  proof: string | null | undefined;
  /** The request method (`htm`). */
  method: string;
  /** The request URL (`htu` must equal it without query and fragment). */
  url: string | URL;
  /** The access token presented with the proof: `ath` must be its SHA-256 hash. Omitted at the token endpoint. */
  accessToken?: string | undefined;
}

/**
 * A checked proof: the public key (and its RFC 7638 thumbprint, what `cnf.jkt` binds to) and
 * the claims needed to consume it once.
 *
 * @example
 * ```ts
 * const proof: DPoPProof = await dpop.verify({ proof: header, method: 'POST', url: tokenEndpoint });
 * const cnf = { jkt: proof.jkt };
 * ```
 */
export interface DPoPProof {
  /** The RFC 7638 SHA-256 thumbprint of the proof's key (base64url). */
  jkt: string;
  /** The proof's public key. */
  jwk: JWK;
  alg: string;
  jti: string;
  iat: number;
}

/**
 * The RFC 7638 SHA-256 thumbprint the access token `cnf.jkt` must equal (RFC 9449 §6.1).
 *
 * @example
 * ```ts
 * const jkt = await dpopThumbprint(publicJwk);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7638
 */
export function dpopThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

/** The `ath` of an access token: base64url SHA-256 of its ASCII bytes (RFC 9449 §4.2). */
async function accessTokenHash(token: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(token))));
}

/** A URL for `htu` comparison: scheme, host and path, normalised by the URL parser, without query or fragment (RFC 9449 §4.3 step 9). */
function htuOf(value: string | URL): string | undefined {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return undefined;
  }
}

const invalid = (description: string, cause?: unknown) => new DPoPError('invalid_dpop_proof', description, { cause });

/**
 * Checks DPoP proofs (RFC 9449 §4.3) for a token endpoint or a resource server: exactly one
 * `DPoP` header holding a JWT with `typ` `dpop+jwt`, an allowed asymmetric `alg`, a public `jwk`
 * header (no private or symmetric members) that verifies its signature, `htm` and `htu` equal to
 * the request's method and URL (no query or fragment), `iat` within the window, a `jti`, `ath`
 * equal to the access token's hash when one is presented (and absent-`ath` refused then), and the
 * server's current nonce when nonces are on (`use_dpop_nonce` with a fresh one otherwise). Every
 * refusal is a {@link DPoPError}.
 *
 * `verify` does not consume the proof: call `consume` once everything else about the request is
 * accepted (at a resource: after the token is verified and bound to the proof's key), so that
 * only holders of a valid token write to the store.
 *
 * It does not check the key binding itself: compare `proof.jkt` with the token's `cnf.jkt`.
 *
 * @example
 * ```ts
 * const dpop = new DPoPProofVerifier({ store });
 * const proof = await dpop.verify({ proof: request.headers.get('dpop'), method: request.method, url: request.url, accessToken });
 * if (proof.jkt !== token.cnf?.jkt) throw new BearerError('invalid_token', 'Wrong DPoP key');
 * await dpop.consume(proof);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export class DPoPProofVerifier {
  /** The accepted algorithms (for `dpop_signing_alg_values_supported` and the `algs` challenge parameter). */
  readonly algorithms: readonly string[];
  readonly #store: KeyValueStore;
  readonly #window: number;
  readonly #now: Clock;
  readonly #nonces: DPoPNonces | undefined;

  constructor(options: DPoPProofOptions) {
    if (!options || typeof options.store?.increment !== 'function') throw new TypeError('DPoP: a store is required (replay detection)');
    const algorithms = options.algorithms ?? ASYMMETRIC_ALGORITHMS;
    if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => !ASYMMETRIC_ALGORITHMS.includes(a))) {
      throw new TypeError(`DPoP: algorithms must be a non-empty list of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
    }
    const window = options.iatWindow ?? 60;
    if (!Number.isFinite(window) || window <= 0) throw new TypeError('DPoP: iatWindow must be a positive number of seconds');
    this.algorithms = [...algorithms];
    this.#store = options.store;
    this.#window = window;
    this.#now = options.now ?? (() => Date.now() / 1000);
    this.#nonces = options.nonce === undefined ? undefined : new DPoPNonces(options.nonce, this.#now);
  }

  /** Whether proofs must carry a server nonce. */
  get requiresNonce(): boolean {
    return this.#nonces !== undefined;
  }

  /** The nonce to send as `DPoP-Nonce` now; `undefined` when nonces are off. */
  currentNonce(): Promise<string | undefined> {
    return this.#nonces ? this.#nonces.current() : Promise.resolve(undefined);
  }

  /** Check a proof (RFC 9449 §4.3 steps 1–12); throws {@link DPoPError}. Does not consume it. */
  async verify(input: DPoPProofInput): Promise<DPoPProof> {
    const { proof } = input;
    if (proof === null || proof === undefined || proof === '') throw invalid('The request has no DPoP proof');
    if (proof.length > MAX_PROOF_LENGTH) throw invalid('The DPoP proof is too large');
    // two DPoP headers arrive joined by a comma, which a compact JWS never contains
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(proof))
      throw invalid('The request must carry exactly one well-formed DPoP proof');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch (err) {
      throw invalid('The DPoP proof is not a JWT', err);
    }
    if (header.typ !== 'dpop+jwt') throw invalid('The DPoP proof must have typ "dpop+jwt"');
    if (typeof header.alg !== 'string' || !this.algorithms.includes(header.alg)) {
      throw invalid(`The DPoP proof must be signed with one of ${this.algorithms.join(', ')}`);
    }
    const jwk = header.jwk;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw invalid('The DPoP proof must carry its public key in "jwk"');
    if (jwk.kty === 'oct' || PRIVATE_MEMBERS.some((m) => (jwk as Record<string, unknown>)[m] !== undefined)) {
      throw invalid('The DPoP proof "jwk" must be a public key');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...this.algorithms] }));
    } catch (err) {
      throw invalid('The DPoP proof signature or claims are invalid', err);
    }
    const { jti, htm, htu, iat } = payload as JWTPayload & { htm?: unknown; htu?: unknown };
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalid('The DPoP proof has no valid "jti"');
    if (typeof htm !== 'string' || htm !== input.method.toUpperCase()) throw invalid('The DPoP proof is for another HTTP method');
    const expectedHtu = htuOf(input.url);
    if (typeof htu !== 'string' || expectedHtu === undefined || htuOf(htu) !== expectedHtu)
      throw invalid('The DPoP proof is for another URL');
    const now = this.#now();
    if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(now - iat) > this.#window) {
      throw invalid('The DPoP proof is too old or from the future ("iat")');
    }
    if (input.accessToken !== undefined) {
      const ath = payload['ath'];
      if (typeof ath !== 'string' || ath !== (await accessTokenHash(input.accessToken))) {
        throw invalid('The DPoP proof does not match the access token ("ath")');
      }
    }
    if (this.#nonces) {
      const nonce = payload['nonce'];
      if (typeof nonce !== 'string' || !(await this.#nonces.valid(nonce))) {
        throw new DPoPError(
          'use_dpop_nonce',
          typeof nonce === 'string' ? 'The DPoP nonce is stale; use the new one' : 'A DPoP nonce is required',
          { nonce: await this.#nonces.current() },
        );
      }
    }
    return { jkt: await dpopThumbprint(jwk as JWK), jwk: jwk as JWK, alg: header.alg, jti, iat };
  }

  /**
   * Accept a verified proof once: its `jti` (for its key) is remembered in the store until its
   * `iat` leaves the window; a second use anywhere the store is shared throws `invalid_dpop_proof`.
   */
  async consume(proof: DPoPProof): Promise<void> {
    const ttl = Math.max(1, Math.ceil(proof.iat + this.#window - this.#now()) + 1);
    const seen = await this.#store.increment(`dpop-jti:${await sha256(`${proof.jkt}\n${proof.jti}`)}`, { ttlSeconds: ttl });
    if (seen > 1) throw invalid('The DPoP proof was already used');
  }
}
