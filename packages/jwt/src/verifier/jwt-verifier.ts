import {
  ConfigurationError,
  TokenInvalidError,
  UpstreamError,
  type AccessToken,
  type AnyAuthError,
  type TokenVerifier,
} from '@mcpauth/core';
import { SingleFlight, TtlCache, hasScopes, mapJoseError } from '@mcpauth/core/kit';
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { asOutage } from '../keys/outage.js';
import { detached } from '../lib/detached.js';
import { cacheKey, cacheKeyIsNative as WHOLE_TOKEN_KEY } from '../lib/sha256.js';
import { defaultMapping, finishClaims, type VerifiedClaims } from './claims.js';
import { resolveConfig, type VerifierConfig } from './config.js';
import { createFastPath } from './native/fast-path.js';
import type { NativeVerifier } from './native/native-verifier.js';
import type { JWTClaimsHook, JWTClaimsMapping, JWTVerifierOptions } from './options.js';

/** A verification kept in the cache: the mapped claims and the time (seconds) it stops being valid. */
interface Verified extends VerifiedClaims {
  validUntil: number;
  /** `header.payload` of the token, checked on every hit; `''` when the key hashes the whole token. */
  signedPart: string;
}

/** Three base64url segments: a JWS in compact serialization (RFC 7515 §7.1). A JWE has five. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MALFORMED = () => new TokenInvalidError('malformed', 'Token is not a JWS in compact serialization');

function accessToken(token: string, verified: Verified): AccessToken {
  return {
    token,
    clientId: verified.clientId,
    scopes: [...verified.scopes],
    expiresAt: verified.expiresAt,
    resource: verified.resource,
    subject: verified.subject,
    claims: verified.claims,
  };
}

/** No `kid` and several keys of the token's type: try each (jose's documented pattern). */
async function tryEachKey(token: string, candidates: joseErrors.JWKSMultipleMatchingKeys, options: JWTVerifyOptions): Promise<JWTPayload> {
  for await (const key of candidates) {
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (err) {
      if (!(err instanceof joseErrors.JWSSignatureVerificationFailed)) throw err;
    }
  }
  throw new joseErrors.JWSSignatureVerificationFailed();
}

function toReported(err: unknown): AnyAuthError {
  return err instanceof TokenInvalidError || err instanceof ConfigurationError ? err : mapJoseError(err);
}

/** What a claims hook's failure means: an outage stays one; anything else refuses the token. */
function hookFailure(err: unknown): UpstreamError | TokenInvalidError {
  if (err instanceof UpstreamError || err instanceof TokenInvalidError) return err;
  return new TokenInvalidError('claim', 'The claims hook refused the token', { cause: err });
}

/**
 * Verifies JWT access tokens (RFC 9068 and IdP-specific JWTs) for an MCP server: signature with
 * keys from a JWKS endpoint, a public key or an HMAC secret, then `iss`, `aud`, `exp`, `nbf`,
 * `iat`, `typ` and required scopes.
 *
 * It follows the verifier policy of `TokenVerifier`: `verifyToken` returns `null` for every
 * invalid token and never throws because of a token's content; why a token was refused reaches
 * `onInvalidToken` as a `TokenInvalidError` with a stable `reason` (never the token). When the
 * JWKS cannot be fetched and no cached key fits the token, it rejects with an `UpstreamError`
 * (the bearer guard answers 502). Providers add checks and claim mapping with the `claims` hook,
 * and check an audience named elsewhere than `aud` with an `audience` function. Verified tokens are cached (bounded LRU, never past `exp`,
 * flushed when the JWKS changes; keyed by the SHA-256 of the signature and bound to the exact
 * token, never holding a usable token), so the same token on every MCP request costs a hash and
 * a map lookup.
 *
 * @example
 * ```ts
 * import { JWTVerifier } from '@mcpauth/jwt';
 *
 * const verifier = new JWTVerifier({
 *   jwksUri: 'https://tenant.auth0.com/.well-known/jwks.json',
 *   issuer: 'https://tenant.auth0.com/',
 *   audience: 'https://mcp.example.com/mcp',
 *   requiredScopes: ['mcp:tools'],
 *   onInvalidToken: (err) => console.info('token refused:', err.code, 'reason' in err ? err.reason : ''),
 * });
 * const token = await verifier.verifyToken(bearer); // AccessToken | null
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-7.2
 * @see https://www.rfc-editor.org/rfc/rfc8725
 */
export class JWTVerifier implements TokenVerifier {
  /** Scopes every accepted token carries; the bearer guard advertises them in its challenge. */
  readonly requiredScopes: readonly string[];
  readonly #config: VerifierConfig;
  readonly #jose: JWTVerifyOptions;
  readonly #native: NativeVerifier | undefined;
  readonly #cache: TtlCache<string, Verified> | undefined;
  readonly #flights = new SingleFlight<string, Verified | null>();
  readonly #clockInjected: boolean;
  #generation = 0;

  constructor(options: JWTVerifierOptions) {
    const config = resolveConfig(options, () => this.#keySetChanged());
    this.#config = config;
    this.#clockInjected = options.now !== undefined;
    this.requiredScopes = Object.freeze([...config.requiredScopes]);
    this.#jose = {
      algorithms: config.algorithms,
      issuer: config.issuer,
      // a function form runs on the verified payload (#claims)
      audience: Array.isArray(config.audience) ? config.audience : undefined,
      clockTolerance: config.clockTolerance,
      maxTokenAge: config.maxTokenAge,
      typ: config.typ,
      requiredClaims: config.requireExp ? ['exp'] : [],
    };
    this.#native = createFastPath(config);
    this.#cache = config.cache && new TtlCache<string, Verified>({ maxEntries: config.cache.maxEntries, now: config.now });
  }

  /**
   * Verify a bearer token. Resolves to the {@link AccessToken} of a valid token, `null` for any
   * invalid one (the reason goes to `onInvalidToken`); rejects with an `UpstreamError` when the
   * keys cannot be fetched.
   */
  async verifyToken(token: string): Promise<AccessToken | null> {
    try {
      if (typeof token !== 'string' || token.length === 0) return this.#refuse(new TokenInvalidError('malformed', 'Token is empty'));
      if (token.length > this.#config.maxTokenLength) {
        return this.#refuse(new TokenInvalidError('too_large', `Token is longer than ${this.#config.maxTokenLength} characters`));
      }
      const cache = this.#cache;
      if (cache === undefined) {
        if (!COMPACT_JWS.test(token)) return this.#refuse(MALFORMED());
        const verified = await this.#verify(token, undefined, undefined);
        return verified && accessToken(token, verified);
      }
      // The hit path first. With node:crypto the cache is keyed by the SHA-256 of the whole token
      // (a hit is the exact token verified before). Without it (the JavaScript SHA-256 costs by
      // the byte) the key is the SHA-256 of the signature and an entry keeps the signed part
      // (`header.payload`, no credential on its own): a hit needs both to match.
      const dot = token.lastIndexOf('.');
      if (dot < 0) return this.#refuse(MALFORMED());
      const signedPart = WHOLE_TOKEN_KEY ? '' : token.slice(0, dot);
      const key = WHOLE_TOKEN_KEY ? cacheKey(token) : cacheKey(token.slice(dot + 1));
      const hit = cache.get(key);
      if (hit !== undefined && hit.signedPart === signedPart) {
        // a cached token still notices a key rotation: the refresh flushes the cache
        this.#config.keySet?.refreshIfStale();
        if (this.#config.now() < hit.validUntil) {
          if (hasScopes(hit.scopes, this.requiredScopes)) return accessToken(token, hit);
          return this.#refuse(new TokenInvalidError('insufficient_scope', 'Token lacks a required scope'));
        }
        cache.delete(key);
      }
      if (!COMPACT_JWS.test(token)) return this.#refuse(MALFORMED());
      // concurrent first sights of one token share a verification (keyed by the token itself,
      // held only while in flight, as its callers hold it)
      const verified = await this.#flights.run(token, () => this.#verify(token, key, signedPart));
      return verified && accessToken(token, verified);
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      return this.#refuse(new TokenInvalidError('unverifiable', 'Token could not be verified', { cause: err }));
    }
  }

  #refuse(error: AnyAuthError): null {
    this.#config.report(error);
    return null;
  }

  #keySetChanged(): void {
    this.#generation++;
    this.#cache?.clear();
  }

  async #joseVerify(token: string, now: number): Promise<JWTPayload> {
    // with the default clock jose reads the time itself: no options object per call
    const options: JWTVerifyOptions = this.#clockInjected ? { ...this.#jose, currentDate: new Date(now * 1000) } : this.#jose;
    try {
      return (await jwtVerify(token, this.#config.key, options)).payload;
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSMultipleMatchingKeys)) throw err;
      return tryEachKey(token, err, options);
    }
  }

  /** The uncached path: the fast path or jose, our own checks, the mapping; caches the result under `key`. */
  async #verify(token: string, key: string | undefined, signedPart: string | undefined): Promise<Verified | null> {
    const config = this.#config;
    const generation = this.#generation;
    const now = config.now();
    try {
      // node:crypto on a key jose selected before, with jose's rules; else jose itself
      const native = this.#native?.verify(token, now);
      const payload = native === undefined ? await this.#joseVerify(token, now) : native instanceof Promise ? await native : native;
      // jose checks `iat` only together with maxTokenAge
      if (typeof payload.iat === 'number' && payload.iat > now + config.clockTolerance) {
        throw new TokenInvalidError('issued_in_future', 'Token "iat" is in the future');
      }
      const mapped = this.#claims(payload);
      const claims = mapped instanceof Promise ? await mapped : mapped;
      if (!hasScopes(claims.scopes, this.requiredScopes)) throw new TokenInvalidError('insufficient_scope', 'Token lacks a required scope');
      let validUntil = claims.expiresAt ?? Number.POSITIVE_INFINITY;
      if (config.maxTokenAge !== undefined && typeof payload.iat === 'number')
        validUntil = Math.min(validUntil, payload.iat + config.maxTokenAge);
      const verified: Verified = {
        clientId: claims.clientId,
        scopes: claims.scopes,
        expiresAt: claims.expiresAt,
        resource: claims.resource,
        subject: claims.subject,
        claims: claims.claims,
        validUntil,
        signedPart: signedPart === undefined || signedPart === '' ? '' : detached(signedPart),
      };
      // a verification that raced a key-set change is not kept: its key may be gone
      if (key !== undefined && config.cache && generation === this.#generation) {
        this.#cache?.set(key, verified, { ttlSeconds: Math.min(config.cache.ttlSeconds, validUntil - now) });
      }
      return verified;
    } catch (err) {
      const outage = asOutage(err);
      if (outage) throw outage;
      const reported = toReported(err);
      if (reported instanceof TokenInvalidError && (reported.reason === 'issuer' || reported.reason === 'audience')) {
        this.#noteMismatch(token, reported.reason);
      }
      return this.#refuse(reported);
    }
  }

  /**
   * A token whose signature checks out with the configured keys but names another issuer (or
   * audience) usually means the option is wrong (a trailing slash, the IdP's other URL) and every
   * token is being refused: said once, at `warn`, with both values (neither is a secret).
   */
  #noteMismatch(token: string, reason: 'issuer' | 'audience'): void {
    const expected = reason === 'issuer' ? this.#config.issuer : this.#config.audience;
    if (!Array.isArray(expected)) return;
    let received: unknown;
    try {
      const payload = decodeJwt(token);
      received = reason === 'issuer' ? payload.iss : payload.aud;
    } catch {
      return;
    }
    const shown = JSON.stringify(received)?.slice(0, 200);
    this.#config.report.problem(
      `${reason}_mismatch`,
      `A token signed with the configured keys names ${reason} ${shown}, not ${expected.map((v) => JSON.stringify(v)).join(' or ')}: if every token is refused, check the ${reason} option`,
      { expected, received: shown },
    );
  }

  /** The audience function, the default mapping and the claims hook, in that order (without a hook, no promise). */
  #claims(payload: JWTPayload): VerifiedClaims | Promise<VerifiedClaims> {
    const { audience, claims: hook } = this.#config;
    let verdict: boolean | string = true;
    if (typeof audience === 'function') {
      try {
        verdict = audience(payload);
      } catch (err) {
        throw hookFailure(err);
      }
      if (verdict === false || (typeof verdict === 'string' && verdict.length === 0) || (verdict !== true && typeof verdict !== 'string')) {
        throw new TokenInvalidError('audience', 'Token was not issued for this audience');
      }
    }
    const mapping = defaultMapping(payload, Array.isArray(audience) ? audience : undefined);
    if (typeof audience === 'function') mapping.resource = typeof verdict === 'string' ? verdict : undefined;
    if (hook === undefined) return finishClaims(payload, mapping);
    return this.#hooked(payload, mapping, hook);
  }

  async #hooked(payload: JWTPayload, mapping: JWTClaimsMapping, hook: JWTClaimsHook): Promise<VerifiedClaims> {
    let changes: Awaited<ReturnType<typeof hook>>;
    try {
      changes = await hook(payload, Object.freeze({ ...mapping, scopes: Object.freeze([...mapping.scopes]) as string[] }));
    } catch (err) {
      throw hookFailure(err);
    }
    if (changes === null) throw new TokenInvalidError('claim', 'The claims hook refused the token');
    if (changes !== undefined && (typeof changes !== 'object' || Array.isArray(changes))) {
      throw new TokenInvalidError('claim', 'The claims hook returned something other than an object, null or nothing');
    }
    return finishClaims(payload, mapping, changes ?? undefined);
  }
}
