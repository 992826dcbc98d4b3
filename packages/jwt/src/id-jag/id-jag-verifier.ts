import { createReporter, mapJoseError, secureUrl, type Reporter } from '@mcpauth/core/kit';
import type {
  AuthErrorHook,
  Clock,
  HttpClientOptions,
  IdentityAssertionClaims,
  IdentityAssertionVerifier,
  LoggingOptions,
} from '@mcpauth/core';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { ASYMMETRIC_ALGORITHMS } from '../keys/algorithms.js';
import { RemoteKeySet } from '../keys/remote-key-set.js';
import { asOutage } from '../keys/outage.js';

/** The media type of an Identity Assertion JWT Authorization Grant (the JOSE `typ`). */
const ID_JAG_TYP = 'oauth-id-jag+jwt';
const MAX_ASSERTION_LENGTH = 16 * 1024;

/** One enterprise identity provider whose ID-JAGs are trusted. */
export interface TrustedIdentityProvider {
  /** Its issuer identifier (the ID-JAG's `iss`). */
  issuer: string;
  /** Its JWKS (https, http only on loopback). */
  jwksUri: string;
}

/** Options of {@link IdJagVerifier}. */
export interface IdJagVerifierOptions extends LoggingOptions {
  /** The enterprise identity providers whose assertions are accepted. At least one. */
  trustedIssuers: readonly TrustedIdentityProvider[];
  /** This authorization server's issuer identifier: the ID-JAG's `aud` must name it. */
  audience: string;
  /** Longest accepted lifetime (`exp` − `iat`), in seconds. Default 300. */
  maxLifetimeSeconds?: number | undefined;
  /** Clock skew tolerated on `exp` and `iat`, in seconds. Default 30. */
  clockToleranceSeconds?: number | undefined;
  /** Outbound HTTP for the JWKS (timeout default 5 000 ms, 256 KiB). */
  http?: HttpClientOptions | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
  /** Called with each refusal (`TokenInvalidError`) and key-set problem (never with the assertion). */
  onError?: AuthErrorHook | undefined;
}

/**
 * Verifies Identity Assertion JWT Authorization Grants (ID-JAG, SEP-990 / Enterprise-Managed
 * Authorization): the signature against the JWKS of the trusted issuer named in `iss`, the JOSE
 * header `typ` exactly `oauth-id-jag+jwt` (so an ID token or an access token of the same identity
 * provider is refused: RFC 8725 §3.12), `aud` = this authorization server, `sub`, `client_id`,
 * `jti`, `exp` and `iat` present (RFC 7521 §5.2), a short lifetime. It returns the claims or
 * `null`; an identity provider whose JWKS cannot be fetched is an `UpstreamError`. It does not
 * check what depends on the request (the client, the resource, replays): the provider
 * (`StoreOAuthProvider`'s `identityAssertions`) does.
 *
 * @example
 * ```ts
 * const verifier = new IdJagVerifier({
 *   trustedIssuers: [{ issuer: 'https://idp.acme.com', jwksUri: 'https://idp.acme.com/jwks' }],
 *   audience: 'https://mcp.example.com',
 * });
 * const provider = new StoreOAuthProvider({ issuerUrl: 'https://mcp.example.com', identityAssertions: { verifier } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/
 */
export class IdJagVerifier implements IdentityAssertionVerifier {
  readonly #sets = new Map<string, RemoteKeySet>();
  readonly #audience: string;
  readonly #maxLifetime: number;
  readonly #tolerance: number;
  readonly #now: () => number;
  readonly #report: Reporter;

  constructor(options: IdJagVerifierOptions) {
    if (!options || !Array.isArray(options.trustedIssuers) || options.trustedIssuers.length === 0) {
      throw new TypeError('IdJagVerifier: trustedIssuers must list at least one identity provider');
    }
    if (typeof options.audience !== 'string' || options.audience.length === 0)
      throw new TypeError("IdJagVerifier: audience (this authorization server's issuer) is required");
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#report = createReporter({ source: 'IdJagVerifier', hook: options.onError, logger: options.logger });
    this.#audience = options.audience;
    this.#maxLifetime = options.maxLifetimeSeconds ?? 300;
    this.#tolerance = options.clockToleranceSeconds ?? 30;
    if (!(this.#maxLifetime > 0) || !(this.#tolerance >= 0))
      throw new TypeError('IdJagVerifier: maxLifetimeSeconds and clockToleranceSeconds must be positive numbers');
    for (const idp of options.trustedIssuers) {
      if (typeof idp?.issuer !== 'string' || idp.issuer.length === 0)
        throw new TypeError('IdJagVerifier: each trusted issuer needs its issuer identifier');
      this.#sets.set(
        idp.issuer,
        new RemoteKeySet({
          url: secureUrl(idp.jwksUri, 'IdJagVerifier: jwksUri'),
          algorithms: ASYMMETRIC_ALGORITHMS,
          cacheMaxAge: 600,
          cooldown: 30,
          http: {
            ...options.http,
            timeoutMs: options.http?.timeoutMs ?? 5000,
            maxResponseBytes: options.http?.maxResponseBytes ?? 256 * 1024,
          },
          now: () => this.#now(),
          onChange: () => undefined,
          report: this.#report,
        }),
      );
    }
  }

  /** The assertion's claims when it is a valid ID-JAG from a trusted issuer for this server; otherwise `null`. */
  async verify(assertion: string): Promise<IdentityAssertionClaims | null> {
    if (typeof assertion !== 'string' || assertion.length > MAX_ASSERTION_LENGTH) return null;
    let iss: unknown;
    let typ: unknown;
    try {
      ({ iss } = decodeJwt(assertion));
      ({ typ } = decodeProtectedHeader(assertion));
    } catch {
      return null;
    }
    const keys = typeof iss === 'string' ? this.#sets.get(iss) : undefined;
    if (!keys || typ !== ID_JAG_TYP) return null;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(assertion, keys.getKey, {
        algorithms: [...ASYMMETRIC_ALGORITHMS],
        issuer: iss as string,
        audience: this.#audience,
        requiredClaims: ['sub', 'jti', 'exp', 'iat', 'client_id'],
        clockTolerance: this.#tolerance,
        currentDate: new Date(this.#now() * 1000),
      }));
    } catch (error) {
      const outage = asOutage(error);
      if (outage) throw outage;
      this.#report(mapJoseError(error));
      return null;
    }
    const { sub, jti, exp, iat, client_id: clientId, resource, scope } = payload;
    if (
      typeof sub !== 'string' ||
      typeof jti !== 'string' ||
      typeof clientId !== 'string' ||
      typeof exp !== 'number' ||
      typeof iat !== 'number'
    )
      return null;
    if (exp - iat > this.#maxLifetime || iat > this.#now() + this.#tolerance) return null;
    if (resource !== undefined && typeof resource !== 'string') return null;
    if (scope !== undefined && typeof scope !== 'string') return null;
    return { ...payload, iss: iss as string, sub, jti, exp, iat, client_id: clientId, resource, scope } as IdentityAssertionClaims;
  }
}
