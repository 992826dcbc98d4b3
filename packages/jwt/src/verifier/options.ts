import type { HttpClientOptions, InvalidTokenHook } from '@mcpauth/core';
import type { JwsAlgorithm } from '../keys/algorithms.js';
import type { PublicKeyInput } from '../keys/public-key.js';

/**
 * The verified-token cache of {@link JWTVerifierOptions}.
 *
 * @example
 * ```ts
 * const cache: JWTVerifierCacheOptions = { maxEntries: 10_000, ttlSeconds: 300 };
 * ```
 */
export interface JWTVerifierCacheOptions {
  /** Most tokens kept; the least recently used is evicted beyond it. Default 1 000. */
  maxEntries?: number | undefined;
  /** Longest time a verification is reused, in seconds; never past the token's `exp`. Default 300. */
  ttlSeconds?: number | undefined;
}

/**
 * Options every key source shares. Durations are in seconds, like JWT claims.
 *
 * @example
 * ```ts
 * const checks: JWTVerifierCommonOptions = { issuer: 'https://auth.example.com/', typ: 'at+jwt', clockTolerance: 10 };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1
 */
export interface JWTVerifierCommonOptions {
  /** Accepted `iss` values; the token's `iss` must equal one of them. */
  issuer?: string | readonly string[] | undefined;
  /** Allowed `alg` values. Default: every algorithm the key kind supports (see the README). */
  algorithms?: readonly JwsAlgorithm[] | undefined;
  /** Scopes every token must carry; others are refused (reason `insufficient_scope`). */
  requiredScopes?: readonly string[] | undefined;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default 30. */
  clockTolerance?: number | undefined;
  /** Refuse tokens whose `iat` is older than this many seconds (and tokens without `iat`). */
  maxTokenAge?: number | undefined;
  /** Required `typ` header, for example `at+jwt` (RFC 9068). Default: not checked. */
  typ?: string | undefined;
  /** Refuse tokens without `exp`. Default `true`. */
  requireExp?: boolean | undefined;
  /** Longest token accepted, in characters; longer ones are refused before any parsing or hashing. Default 8 192. */
  maxTokenLength?: number | undefined;
  /** The verified-token cache, or `false` to verify every time. Default `{ maxEntries: 1000, ttlSeconds: 300 }`. */
  cache?: JWTVerifierCacheOptions | false | undefined;
  /**
   * Check signatures with `node:crypto` where the runtime has it (Node, Bun, Deno): `KeyObject`s
   * built once per key, synchronous checks, the same header and claim rules as jose. `false`
   * verifies every token with jose (WebCrypto), for debugging or to keep one code path. Runtimes
   * without `node:crypto` (Workers, browsers) always use jose. Default `true`.
   */
  nativeCrypto?: boolean | undefined;
  /** Told why each token was refused, of keys left out of a JWKS and of JWKS refresh failures; never given a token. */
  onInvalidToken?: InvalidTokenHook | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: (() => number) | undefined;
}

/**
 * The audience check every {@link JWTVerifier} makes: `audience` is required (the MCP
 * authorization spec: a server MUST check that a token was issued for it, RFC 8707), unless the
 * loudly named `dangerouslyAcceptAnyAudience: true` says that tokens issued for any API are
 * accepted, for a verifier whose caller checks the audience itself.
 *
 * @example
 * ```ts
 * const check: JWTVerifierAudienceOptions = { audience: 'https://mcp.example.com/mcp' };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://modelcontextprotocol.io/specification/draft/basic/authorization#token-audience-binding-and-validation
 */
export type JWTVerifierAudienceOptions =
  | {
      /**
       * Accepted audiences (RFC 8707 resource indicators, usually the MCP endpoint URL); the
       * token's `aud` must contain at least one of them, compared exactly. The first match becomes
       * the token's `resource`.
       */
      audience: string | readonly string[];
      dangerouslyAcceptAnyAudience?: never;
    }
  | {
      audience?: never;
      /**
       * Accept tokens whatever their `aud`: a token issued for another API passes. Only for a
       * verifier whose audience is checked elsewhere (a bearer guard with `expectedResource`) or
       * tokens that carry none; never for a verifier that alone protects an MCP endpoint.
       */
      dangerouslyAcceptAnyAudience: true;
    };

/**
 * Keys from a JWKS endpoint (RFC 7517 §5), fetched with ky through core's HTTP client: explicit
 * timeout, size limit, no redirects, no retry.
 *
 * @example
 * ```ts
 * const source: JWTVerifierJwksOptions = { jwksUri: 'https://tenant.auth0.com/.well-known/jwks.json', timeoutMs: 3000, jwksCooldown: 60 };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export interface JWTVerifierJwksOptions extends Omit<HttpClientOptions, 'retry'> {
  /** The JWKS URL. `https:` is required, except `http:` on a loopback host. */
  jwksUri: string | URL;
  /** Age after which the key set is refreshed in the background, in seconds. Default 600. */
  jwksCacheMaxAge?: number | undefined;
  /** Least time between two JWKS fetches (unknown `kid`, refresh), in seconds. Default 30. */
  jwksCooldown?: number | undefined;
  publicKey?: never;
  secret?: never;
}

/**
 * One public key: PEM (SPKI `PUBLIC KEY` or `CERTIFICATE`), JWK, or WebCrypto `CryptoKey`.
 *
 * @example
 * ```ts
 * const source: JWTVerifierPublicKeyOptions = { publicKey: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBg…\n-----END PUBLIC KEY-----' };
 * ```
 */
export interface JWTVerifierPublicKeyOptions {
  publicKey: PublicKeyInput;
  jwksUri?: never;
  secret?: never;
}

/**
 * A shared HMAC secret (string as UTF-8, or bytes), at least 32 bytes (RFC 7518 §3.2).
 *
 * @example
 * ```ts
 * const source: JWTVerifierSecretOptions = { secret: process.env.JWT_SECRET! };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.2
 */
export interface JWTVerifierSecretOptions {
  secret: string | Uint8Array;
  jwksUri?: never;
  publicKey?: never;
}

/**
 * Options of {@link JWTVerifier}: exactly one key source (`jwksUri`, `publicKey` or `secret`),
 * the audience (required, see {@link JWTVerifierAudienceOptions}) and the other claim checks.
 *
 * @example
 * ```ts
 * const options: JWTVerifierOptions = {
 *   jwksUri: 'https://tenant.auth0.com/.well-known/jwks.json',
 *   issuer: 'https://tenant.auth0.com/',
 *   audience: 'https://mcp.example.com/mcp',
 * };
 * ```
 */
export type JWTVerifierOptions = JWTVerifierCommonOptions &
  JWTVerifierAudienceOptions &
  (JWTVerifierJwksOptions | JWTVerifierPublicKeyOptions | JWTVerifierSecretOptions);
