import { SignJWT, calculateJwkThumbprint, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, type JWK } from 'jose';

/**
 * Parameters of {@link RSAKeyPair.createToken}.
 *
 * @example
 * ```ts
 * const params: CreateTokenParams = { subject: 'alice', audience: 'https://mcp.example.com/mcp', scopes: ['mcp:tools'] };
 * ```
 */
export interface CreateTokenParams {
  /** `sub`. Default `test-user`. */
  subject?: string | undefined;
  /** `iss`. Default `https://auth.example.test`. */
  issuer?: string | undefined;
  /** `aud`: one or several audiences. Default: none. */
  audience?: string | readonly string[] | undefined;
  /** Scopes, sent space-separated in `scope`. Default: no `scope` claim. */
  scopes?: readonly string[] | undefined;
  /** Lifetime in seconds (`exp` = now + this). Default 3600. */
  expiresInSeconds?: number | undefined;
  /** More claims, merged last (they may override the ones above). */
  additionalClaims?: Record<string, unknown> | undefined;
  /** `kid` header. Default: the pair's `kid`; `null` leaves it out. */
  kid?: string | null | undefined;
  /** `typ` header. Default `JWT`; `at+jwt` for RFC 9068 access tokens. */
  typ?: string | undefined;
}

/**
 * An RS256 key pair for tests and local development: sign tokens with {@link createToken} and
 * give a `JWTVerifier` the public side as PEM ({@link publicKeyPem}), JWK or JWKS.
 *
 * @example
 * ```ts
 * const keys = await RSAKeyPair.generate();
 * const verifier = new JWTVerifier({ publicKey: keys.publicKeyPem, issuer: 'https://auth.example.test', audience: 'mcp' });
 * const token = await keys.createToken({ audience: 'mcp', scopes: ['read'] });
 * await verifier.verifyToken(token); // AccessToken
 * ```
 */
export class RSAKeyPair {
  /** Key id: the RFC 7638 thumbprint of the public key unless one was given. */
  readonly kid: string;
  readonly publicKey: CryptoKey;
  readonly privateKey: CryptoKey;
  /** The public key as PEM (SPKI, `-----BEGIN PUBLIC KEY-----`). */
  readonly publicKeyPem: string;
  /** The private key as PEM (PKCS #8, `-----BEGIN PRIVATE KEY-----`). Keep it out of logs. */
  readonly privateKeyPem: string;
  /** The public key as a JWK with `kid`, `alg: RS256` and `use: sig`. */
  readonly publicJwk: JWK;

  private constructor(fields: {
    kid: string;
    publicKey: CryptoKey;
    privateKey: CryptoKey;
    publicKeyPem: string;
    privateKeyPem: string;
    publicJwk: JWK;
  }) {
    this.kid = fields.kid;
    this.publicKey = fields.publicKey;
    this.privateKey = fields.privateKey;
    this.publicKeyPem = fields.publicKeyPem;
    this.privateKeyPem = fields.privateKeyPem;
    this.publicJwk = fields.publicJwk;
  }

  /**
   * Generate a 2048-bit RSA key pair.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.3
   */
  static async generate(options: { kid?: string | undefined; modulusLength?: number | undefined } = {}): Promise<RSAKeyPair> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: options.modulusLength ?? 2048 });
    const jwk = await exportJWK(publicKey);
    const kid = options.kid ?? (await calculateJwkThumbprint(jwk));
    return new RSAKeyPair({
      kid,
      publicKey,
      privateKey,
      publicKeyPem: await exportSPKI(publicKey),
      privateKeyPem: await exportPKCS8(privateKey),
      publicJwk: Object.freeze({ ...jwk, kid, alg: 'RS256', use: 'sig' }),
    });
  }

  /** A JWK Set holding the public key, as a JWKS endpoint serves it (RFC 7517 §5). */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk }] };
  }

  /**
   * Sign an RS256 JWT with `iss`, `sub`, `iat`, `exp`, `jti`, and `aud` and `scope` when given.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
   */
  async createToken(params: CreateTokenParams = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: params.issuer ?? 'https://auth.example.test',
      sub: params.subject ?? 'test-user',
      iat: now,
      exp: now + (params.expiresInSeconds ?? 3600),
      jti: crypto.randomUUID(),
    };
    if (params.audience !== undefined) claims['aud'] = typeof params.audience === 'string' ? params.audience : [...params.audience];
    if (params.scopes !== undefined) claims['scope'] = params.scopes.join(' ');
    Object.assign(claims, params.additionalClaims);
    const kid = params.kid === undefined ? this.kid : params.kid;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: params.typ ?? 'JWT', ...(kid === null ? {} : { kid }) })
      .sign(this.privateKey);
  }
}
