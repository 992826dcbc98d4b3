import { errors as joseErrors, type JWTPayload } from 'jose';
import { checkClaims, decodeSegment, parseClaims, parseHeader, type ClaimRules } from './jose-rules.js';
import { detached } from '../../lib/detached.js';
import { NativeKeys } from './keys.js';
import type { NativeCrypto } from './node-crypto.js';
import type { SignatureCheck } from './signature.js';

/** Headers kept parsed per verifier (a few issuers' keys, each with one header), and the longest kept. */
const MAX_CACHED_HEADERS = 32;
const MAX_CACHED_HEADER = 1024;

/** Where the fast path finds the key of a token: jose's selection, read without an await. */
export type KeySource =
  /** An HMAC secret: one key, every allowed algorithm. */
  | { secret: Uint8Array }
  /** The CryptoKey jose selected for this `alg` and `kid` (JWKS) or imported for this `alg` (PEM, JWK, CryptoKey); `undefined` before it did. */
  | { peek: (alg: string, kid: unknown) => unknown };

/** A payload, a pending one (a check on the thread pool), or `undefined`: the token is jose's. */
export type NativeOutcome = JWTPayload | Promise<JWTPayload> | undefined;

/**
 * The fast path of `JWTVerifier`: the signature checked with `node:crypto` on a `KeyObject`
 * built once per key (synchronously for RSA, Ed25519 and HMAC), then jose's header and claim
 * rules (see `jose-rules.ts`). It takes a token only when jose would verify it with one known
 * key: a `crit` header, a `kid` jose has not selected yet (unknown, new after a rotation, or
 * several candidates) and every key jose itself would refuse are left to jose, which stays the
 * reference. Refusals throw jose's own error classes, so they map to the same reasons.
 */
export class NativeVerifier {
  readonly #native: NativeCrypto;
  readonly #algorithms: ReadonlySet<string>;
  readonly #rules: ClaimRules;
  readonly #secretChecks: Map<string, SignatureCheck> | undefined;
  readonly #peek: ((alg: string, kid: unknown) => unknown) | undefined;
  readonly #keys: NativeKeys;
  readonly #headers = new Map<string, Readonly<Record<string, unknown>>>();

  constructor(native: NativeCrypto, algorithms: readonly string[], source: KeySource, rules: ClaimRules) {
    this.#native = native;
    this.#algorithms = new Set(algorithms);
    this.#rules = rules;
    this.#keys = new NativeKeys(native);
    if ('secret' in source) this.#secretChecks = this.#keys.forSecret(source.secret, algorithms);
    else this.#peek = source.peek;
  }

  /**
   * Verify a compact JWS (three non-empty base64url segments, checked by the caller) at time
   * `now` (seconds). Returns the payload, a promise of it, or `undefined` when jose must verify
   * the token; throws jose's error for a token it refuses.
   */
  verify(token: string, now: number): NativeOutcome {
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    const header = this.#header(token.slice(0, first));
    if (header['crit'] !== undefined) return undefined;
    const alg = header['alg'];
    if (typeof alg !== 'string' || alg.length === 0)
      throw new joseErrors.JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
    if (!this.#algorithms.has(alg)) throw new joseErrors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
    const check =
      this.#secretChecks !== undefined ? this.#secretChecks.get(alg) : this.#keys.forCryptoKey(this.#peek!(alg, header['kid']), alg);
    if (check === undefined) return undefined;
    const signature = decodeSegment(this.#native, token.slice(second + 1), 'signature');
    const signingInput = this.#native.Buffer.from(token.slice(0, second), 'latin1');
    if (check.async !== undefined)
      return check.async(signingInput, signature).then((valid) => this.#claims(valid, token, first, second, header, now));
    return this.#claims(check.sync(signingInput, signature), token, first, second, header, now);
  }

  /**
   * The parsed protected header, from a small cache: an issuer's tokens share one header (`alg`,
   * `kid`, `typ`), so most tokens need no decoding of it. Frozen, as every token with that
   * header shares it; a header that does not parse throws every time and is never kept, and the
   * header rules run on every token.
   */
  #header(segment: string): Readonly<Record<string, unknown>> {
    let header = this.#headers.get(segment);
    if (header === undefined) {
      header = Object.freeze(parseHeader(this.#native, segment));
      if (segment.length <= MAX_CACHED_HEADER) {
        if (this.#headers.size >= MAX_CACHED_HEADERS) this.#headers.clear();
        this.#headers.set(detached(segment), header); // a key sliced from the token would keep the token
      }
    }
    return header;
  }

  #claims(
    valid: boolean,
    token: string,
    first: number,
    second: number,
    header: Readonly<Record<string, unknown>>,
    now: number,
  ): JWTPayload {
    if (!valid) throw new joseErrors.JWSSignatureVerificationFailed();
    const claims = parseClaims(decodeSegment(this.#native, token.slice(first + 1, second), 'payload'));
    checkClaims(header, claims, this.#rules, now);
    return claims;
  }
}
