import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { TokenInvalidError, UpstreamError } from '../errors/errors.js';
import { parseScopes } from '../protocols/access-token.js';
import { MIN_KEY_BYTES, isStrongKeyMaterial } from '../lib/key-material.js';

/** Options of {@link JWTIssuer}. */
export interface JWTIssuerOptions {
  /** `iss` of issued tokens: the authorization server's issuer URL. */
  issuer: string;
  /** `aud` of issued tokens: the MCP resource URL. */
  audience: string;
  /** HS256 key, at least 32 bytes (see `deriveJwtKey`). */
  signingKey: Uint8Array;
  /** Clock skew tolerated on `exp`/`iat`, in seconds. Default 30. */
  clockTolerance?: number;
}

/** Which kind of token a JWTIssuer token is (`token_use` claim). */
export type TokenUse = 'access' | 'refresh';

/** The claims of a token issued by {@link JWTIssuer}. */
export interface JWTIssuerClaims {
  iss: string;
  aud: string;
  client_id: string;
  scope: string;
  exp: number;
  iat: number;
  jti: string;
  token_use: TokenUse;
  sub?: string;
  upstream_claims?: Record<string, unknown>;
  /** RFC 7800 confirmation: the DPoP key the token is bound to (RFC 9449 §6.1). */
  cnf?: { jkt: string };
}

/** Parameters of {@link JWTIssuer.issueAccessToken}. */
export interface IssueAccessTokenParams {
  clientId: string;
  scopes: readonly string[];
  /** Unique token id; maps the token to server-side state (for example the upstream tokens). */
  jti: string;
  /** Lifetime in seconds. Default 3600. */
  expiresIn?: number;
  /** The end user, when known (`sub`). */
  subject?: string;
  /** Claims from the upstream identity provider to embed (`upstream_claims`). Keep them small. */
  upstreamClaims?: Record<string, unknown>;
  /** Bind the token to a DPoP key: its RFC 7638 thumbprint becomes `cnf.jkt` (RFC 9449 §6.1). */
  dpopJkt?: string | undefined;
}

/** Parameters of {@link JWTIssuer.issueRefreshToken}. */
export interface IssueRefreshTokenParams {
  clientId: string;
  scopes: readonly string[];
  jti: string;
  /** Lifetime in seconds. */
  expiresIn: number;
  subject?: string;
}

const ALG = 'HS256';

/**
 * Issues and verifies the authorization server's own HS256 access and refresh tokens (used by the
 * OAuth proxy). Tokens carry `iss`, `aud`, `client_id`, `scope`, `exp`, `iat`, `jti` and
 * `token_use`; a refresh token is never accepted as an access token, nor the reverse.
 *
 * @example
 * ```ts
 * const key = await deriveJwtKey({ highEntropyMaterial: secret }, 'my-server');
 * const issuer = new JWTIssuer({ issuer: 'https://mcp.example.com', audience: 'https://mcp.example.com/mcp', signingKey: key });
 * const token = await issuer.issueAccessToken({ clientId: 'c1', scopes: ['read'], jti: crypto.randomUUID() });
 * const claims = await issuer.verifyToken(token, { expectedTokenUse: 'access' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7519
 */
export class JWTIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly #key: Uint8Array;
  readonly #clockTolerance: number;

  constructor(options: JWTIssuerOptions) {
    if (!options || typeof options.issuer !== 'string' || options.issuer.length === 0) {
      throw new TypeError('JWTIssuer: issuer must be a non-empty string');
    }
    if (typeof options.audience !== 'string' || options.audience.length === 0) {
      throw new TypeError('JWTIssuer: audience must be a non-empty string');
    }
    if (!(options.signingKey instanceof Uint8Array) || !isStrongKeyMaterial(options.signingKey)) {
      throw new TypeError(`JWTIssuer: signingKey must be at least ${MIN_KEY_BYTES} bytes (use deriveJwtKey)`);
    }
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.#key = new Uint8Array(options.signingKey);
    this.#clockTolerance = options.clockTolerance ?? 30;
  }

  /** Issue an access token (`token_use: "access"`). */
  issueAccessToken(params: IssueAccessTokenParams): Promise<string> {
    const extra: Record<string, unknown> = {};
    if (params.upstreamClaims) extra['upstream_claims'] = params.upstreamClaims;
    if (params.dpopJkt) extra['cnf'] = { jkt: params.dpopJkt };
    return this.#sign('access', params, params.expiresIn ?? 3600, extra);
  }

  /** Issue a refresh token (`token_use: "refresh"`). */
  issueRefreshToken(params: IssueRefreshTokenParams): Promise<string> {
    return this.#sign('refresh', params, params.expiresIn, {});
  }

  async #sign(
    use: TokenUse,
    params: { clientId: string; scopes: readonly string[]; jti: string; subject?: string | undefined },
    expiresIn: number,
    extra: Record<string, unknown>,
  ): Promise<string> {
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) throw new TypeError('JWTIssuer: expiresIn must be a positive number of seconds');
    if (!params.jti) throw new TypeError('JWTIssuer: jti is required');
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ client_id: params.clientId, scope: params.scopes.join(' '), token_use: use, ...extra })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + Math.floor(expiresIn))
      .setJti(params.jti);
    if (params.subject !== undefined) jwt.setSubject(params.subject);
    return jwt.sign(this.#key);
  }

  /**
   * Verify a token issued by this issuer: HS256 signature, `iss`, `aud`, `exp`, and `token_use`.
   * Throws {@link TokenInvalidError} (reason `expired`, `signature`, `issuer`, `audience`,
   * `token_use`, `malformed`, …) when it is not valid.
   */
  async verifyToken(token: string, options: { expectedTokenUse: TokenUse }): Promise<JWTIssuerClaims> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: [ALG],
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: this.#clockTolerance,
        requiredClaims: ['exp', 'iat', 'jti'],
      }));
    } catch (err) {
      throw mapJoseError(err);
    }
    if (payload['token_use'] !== options.expectedTokenUse) {
      throw new TokenInvalidError('token_use', `Expected a ${options.expectedTokenUse} token`);
    }
    if (typeof payload['client_id'] !== 'string' || typeof payload['jti'] !== 'string') {
      throw new TokenInvalidError('claim', 'Token lacks client_id or jti');
    }
    return { ...payload, scope: parseScopes(payload['scope']).join(' ') } as unknown as JWTIssuerClaims;
  }
}

/**
 * Map an error thrown by jose to a {@link TokenInvalidError} with a stable reason. An
 * {@link UpstreamError} (a key set that could not be fetched) becomes reason `unverifiable`
 * with it as the `cause`.
 *
 * @example
 * ```ts
 * try { await jwtVerify(t, key); } catch (e) { throw mapJoseError(e); }
 * ```
 */
export function mapJoseError(err: unknown): TokenInvalidError {
  if (err instanceof joseErrors.JWTExpired) {
    // jose reports a token older than `maxTokenAge` as expired on its `iat`
    if (err.claim === 'iat') return new TokenInvalidError('too_old', 'Token is older than the maximum token age', { cause: err });
    return new TokenInvalidError('expired', 'Token has expired', { cause: err });
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = err.claim;
    // a missing or non-numeric `nbf`/`iat` is a bad claim, not a timing failure
    const timing = err.reason === 'check_failed';
    const reason =
      claim === 'iss'
        ? 'issuer'
        : claim === 'aud'
          ? 'audience'
          : claim === 'typ'
            ? 'type'
            : timing && claim === 'nbf'
              ? 'not_yet_valid'
              : timing && claim === 'iat'
                ? 'issued_in_future'
                : 'claim';
    return new TokenInvalidError(reason, `Claim "${claim}" is invalid: ${err.reason}`, { cause: err });
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return new TokenInvalidError('signature', 'Signature verification failed', { cause: err });
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    return new TokenInvalidError('algorithm', 'Algorithm or header not allowed', { cause: err });
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey)
    return new TokenInvalidError('key_not_found', 'No key matches the token', { cause: err });
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys)
    return new TokenInvalidError('key_not_found', 'Several keys match the token and none verified it', { cause: err });
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWEInvalid) {
    return new TokenInvalidError('malformed', 'Token is malformed', { cause: err });
  }
  if (err instanceof joseErrors.JWKSTimeout) return new TokenInvalidError('unverifiable', 'Key set fetch timed out', { cause: err });
  if (err instanceof UpstreamError)
    return new TokenInvalidError('unverifiable', `Signing keys could not be fetched (${err.reason})`, { cause: err });
  return new TokenInvalidError('unverifiable', 'Token could not be verified', { cause: err });
}
