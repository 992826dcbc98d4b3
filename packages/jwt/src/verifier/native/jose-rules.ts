import { errors as joseErrors, type JWTPayload } from 'jose';
import type { NativeCrypto } from './node-crypto.js';

/**
 * jose's header and claim rules for a compact JWS, for the native fast path: the same order of
 * checks, the same error classes (so `mapJoseError` gives the same reasons), for the options
 * `JWTVerifier` passes to `jwtVerify`. jose stays the reference: the differential tests compare
 * both on generated tokens.
 */

/** The claim checks `JWTVerifier` asks of jose. */
export interface ClaimRules {
  issuer: readonly string[] | undefined;
  audience: readonly string[] | undefined;
  requireExp: boolean;
  maxTokenAge: number | undefined;
  clockTolerance: number;
  /** The required `typ`, normalised as jose does. */
  typ: string | undefined;
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const CHECK_FAILED = 'check_failed';

/** `application/` prefixed and lower-cased, as jose compares `typ`. */
export function normalizeTyp(value: string): string {
  const normalized = value.toLowerCase();
  return value.includes('/') ? normalized : `application/${normalized}`;
}

/**
 * base64url-decode a segment that holds only base64url characters (checked before): a length of
 * 1 modulo 4 cannot be base64 (jose's decoder throws).
 */
export function decodeSegment({ Buffer }: NativeCrypto, segment: string, label: string): Uint8Array {
  if (segment.length % 4 === 1) throw new joseErrors.JWSInvalid(`Failed to base64url decode the ${label}`);
  return Buffer.from(segment, 'base64url');
}

/** A JSON object whose prototype is Object.prototype (all JSON.parse makes): jose's `isObject`. */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(bytes: Uint8Array): unknown {
  return JSON.parse(strictDecoder.decode(bytes));
}

export function parseHeader(native: NativeCrypto, segment: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = parseJson(decodeSegment(native, segment, 'protected header'));
  } catch (cause) {
    throw new joseErrors.JWSInvalid('JWS Protected Header is invalid', { cause });
  }
  if (!isJsonObject(header)) throw new joseErrors.JWSInvalid('JWS Protected Header is invalid');
  return header;
}

export function parseClaims(bytes: Uint8Array): JWTPayload {
  let claims: unknown;
  try {
    claims = parseJson(bytes);
  } catch (cause) {
    throw new joseErrors.JWTInvalid('JWT Claims Set must be a top-level JSON object', { cause });
  }
  if (!isJsonObject(claims)) throw new joseErrors.JWTInvalid('JWT Claims Set must be a top-level JSON object');
  return claims as JWTPayload;
}

function failed(claims: JWTPayload, claim: string, reason: string, message = `unexpected "${claim}" claim value`): never {
  throw new joseErrors.JWTClaimValidationFailed(message, claims, claim, reason);
}

function numericDate(claims: JWTPayload, claim: 'iat' | 'nbf' | 'exp'): number | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') failed(claims, claim, 'invalid', `"${claim}" claim must be a number`);
  return value;
}

function audiencePresent(aud: unknown, expected: readonly string[]): boolean {
  if (typeof aud === 'string') return expected.includes(aud);
  return Array.isArray(aud) && expected.some((a) => aud.includes(a));
}

/**
 * jose's `validateClaimsSet` for these rules: `typ`, then the presence of `iss`, `aud`, `iat`
 * (with `maxTokenAge`) and `exp` (when required), then `iss`, `aud`, and the times against
 * `now` (seconds, whole as jose takes them) with the tolerance.
 */
export function checkClaims(header: Readonly<Record<string, unknown>>, claims: JWTPayload, rules: ClaimRules, nowSeconds: number): void {
  if (rules.typ !== undefined && (typeof header['typ'] !== 'string' || normalizeTyp(header['typ']) !== rules.typ)) {
    failed(claims, 'typ', CHECK_FAILED, 'unexpected "typ" JWT header value');
  }
  // jose's order of the presence checks: iss, aud, iat, exp
  if (rules.issuer !== undefined && !Object.hasOwn(claims, 'iss')) failed(claims, 'iss', 'missing', 'missing required "iss" claim');
  if (rules.audience !== undefined && !Object.hasOwn(claims, 'aud')) failed(claims, 'aud', 'missing', 'missing required "aud" claim');
  if (rules.maxTokenAge !== undefined && !Object.hasOwn(claims, 'iat')) failed(claims, 'iat', 'missing', 'missing required "iat" claim');
  if (rules.requireExp && !Object.hasOwn(claims, 'exp')) failed(claims, 'exp', 'missing', 'missing required "exp" claim');
  if (rules.issuer !== undefined && !rules.issuer.includes(claims.iss as string)) failed(claims, 'iss', CHECK_FAILED);
  if (rules.audience !== undefined && !audiencePresent(claims.aud, rules.audience)) failed(claims, 'aud', CHECK_FAILED);

  const now = Math.floor(new Date(nowSeconds * 1000).getTime() / 1000);
  if (!Number.isFinite(now)) throw new TypeError('Invalid currentDate option input');
  const tolerance = rules.clockTolerance;
  const iat = numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now + tolerance) failed(claims, 'nbf', CHECK_FAILED, '"nbf" claim timestamp check failed');
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && exp <= now - tolerance)
    throw new joseErrors.JWTExpired('"exp" claim timestamp check failed', claims, 'exp', CHECK_FAILED);
  if (rules.maxTokenAge !== undefined) {
    const age = now - iat!;
    if (age - tolerance > rules.maxTokenAge) {
      throw new joseErrors.JWTExpired('"iat" claim timestamp check failed (too far in the past)', claims, 'iat', CHECK_FAILED);
    }
    if (age < -tolerance) failed(claims, 'iat', CHECK_FAILED, '"iat" claim timestamp check failed (it should be in the past)');
  }
}
