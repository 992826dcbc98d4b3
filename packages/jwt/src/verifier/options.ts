import type { Clock, HttpClientOptions, VerifierCacheOptions, VerifierReportingOptions } from '@mcpauth/core';
import type { JWTPayload } from 'jose';
import type { JwsAlgorithm } from '../keys/algorithms.js';
import type { PublicKeyInput } from '../keys/public-key.js';

/**
 * What a verified JWT maps to: the {@link JWTClaimsHook} sees the verifier's mapping and may
 * change any field. By default the client is `client_id`, else `azp`, else `sub`; scopes come from
 * `scope` (space-separated) or `scp` (string or list); the subject is `sub`; the resource is the
 * audience that matched.
 *
 * @example
 * ```ts
 * const mapped: JWTClaimsMapping = { clientId: 'app', scopes: ['read'], subject: 'user-1', resource: 'https://mcp.example.com/mcp' };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export interface JWTClaimsMapping {
  clientId: string | undefined;
  scopes: string[];
  subject: string | undefined;
  resource: string | undefined;
}

/**
 * The claims hook of a {@link JWTVerifier}: extra checks and claim mapping for an identity
 * provider's tokens, instead of a wrapper verifier. It runs on every verification (not on a cache
 * hit: its result is cached with the token), after the signature and every standard check passed
 * and before `requiredScopes` is checked, with the frozen payload and the verifier's mapping.
 *
 * - Return nothing to keep the mapping, or the fields to change (`{ scopes: … }`).
 * - Refuse the token by returning `null` (reason `claim`) or throwing a `TokenInvalidError` (its
 *   reason). Anything else it throws refuses the token too (reason `claim`), except an
 *   `UpstreamError`, which is an outage (the verifier rejects with it).
 * - It must depend on the payload alone: its verdict is cached with the token.
 *
 * @example
 * ```ts
 * // Supabase: only OAuth access tokens (they carry client_id), roles as scopes
 * const claims: JWTClaimsHook = (payload) => {
 *   if (typeof payload['client_id'] !== 'string') throw new TokenInvalidError('claim', 'Not an OAuth access token');
 *   return { scopes: Array.isArray(payload['roles']) ? payload['roles'] : [] };
 * };
 * ```
 */
export type JWTClaimsHook = (
  payload: Readonly<JWTPayload>,
  mapped: Readonly<JWTClaimsMapping>,
) => Partial<JWTClaimsMapping> | null | undefined | void | Promise<Partial<JWTClaimsMapping> | null | undefined | void>;

/**
 * The audience check as a function of the verified payload, for identity providers whose access
 * tokens say whom they are for elsewhere than `aud` (Cognito access tokens have no `aud` and
 * name the app client in `client_id`). Return `true` (or the token's resource URL, which becomes
 * `resource`) when the token was issued for this server, `false` to refuse it (reason
 * `audience`). It satisfies the audience requirement like a list of audiences does.
 *
 * @example
 * ```ts
 * const audience: JWTAudienceCheck = (payload) => payload['client_id'] === process.env.COGNITO_APP_CLIENT_ID;
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
 */
export type JWTAudienceCheck = (payload: Readonly<JWTPayload>) => boolean | string;

/**
 * Options every key source shares. Durations are in seconds, like JWT claims.
 *
 * @example
 * ```ts
 * const checks: JWTVerifierCommonOptions = { issuer: 'https://auth.example.com/', typ: 'at+jwt', clockTolerance: 10 };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1
 */
export interface JWTVerifierCommonOptions extends VerifierReportingOptions {
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
  /** The verified-token cache, or `false` to verify every time. Default `{ ttlSeconds: 300, maxEntries: 1000 }`. */
  cache?: VerifierCacheOptions | false | undefined;
  /** Extra checks and claim mapping after the standard checks (see {@link JWTClaimsHook}). */
  claims?: JWTClaimsHook | undefined;
  /**
   * Check signatures with `node:crypto` where the runtime has it (Node, Bun, Deno): `KeyObject`s
   * built once per key, synchronous checks, the same header and claim rules as jose. `false`
   * verifies every token with jose (WebCrypto), for debugging or to keep one code path. Runtimes
   * without `node:crypto` (Workers, browsers) always use jose. Default `true`.
   */
  nativeCrypto?: boolean | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
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
       * the token's `resource`. Or a {@link JWTAudienceCheck} of the verified payload, for tokens
       * that name their audience elsewhere (Cognito's `client_id`).
       */
      audience: string | readonly string[] | JWTAudienceCheck;
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

/**
 * The tuning a provider package lets its users pass to the `JWTVerifier` it configures (its `jwt`
 * option): clock tolerance, token age, the verified-token cache and the JWKS refresh. Issuer,
 * audience, keys and algorithms are the provider's.
 *
 * @example
 * ```ts
 * const tuning: JWTTuningOptions = { clockTolerance: 10, cache: false, jwksCacheMaxAge: 300 };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export type JWTTuningOptions = Pick<JWTVerifierCommonOptions, 'clockTolerance' | 'maxTokenAge' | 'cache'> &
  Pick<JWTVerifierJwksOptions, 'jwksCacheMaxAge' | 'jwksCooldown'>;
