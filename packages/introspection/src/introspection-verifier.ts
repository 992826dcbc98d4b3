import {
  ConfigurationError,
  TokenInvalidError,
  UpstreamError,
  type AccessToken,
  type AnyAuthError,
  type Clock,
  type VerifierReportingOptions,
  type TokenVerifier,
  type VerifierCacheOptions,
} from '@mcpauth/core';
import {
  clientSecretBasic,
  epochSeconds,
  invalidTokenReporter,
  requireAudienceCheck,
  resolveVerifierCache,
  secureUrl,
  SingleFlight,
  TtlCache,
  fetchJson,
  sha256,
  type HttpClientOptions,
} from '@mcpauth/core/kit';
import { toAccessToken } from './lib/response.js';

/**
 * How the verifier authenticates itself to the introspection endpoint.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/**
 * Options of {@link IntrospectionTokenVerifier}. The HTTP options (`ky`, `fetch`, `timeoutMs`,
 * `maxResponseBytes`) are core's `HttpClientOptions`; the introspection `POST` is never retried.
 *
 * @example
 * ```ts
 * const options: IntrospectionTokenVerifierOptions = {
 *   introspectionUrl: 'https://auth.example.com/oauth2/introspect',
 *   clientId: 'mcp-resource-server',
 *   clientSecret: process.env.INTROSPECTION_SECRET!,
 *   expectedAudience: 'https://mcp.example.com/mcp',
 *   requiredScopes: ['mcp:tools'],
 * };
 * ```
 */
export type IntrospectionTokenVerifierOptions = IntrospectionCommonOptions & IntrospectionAudienceOptions;

/**
 * The audience check of an {@link IntrospectionTokenVerifier}: `expectedAudience` is required
 * (the MCP authorization spec: a server MUST check that a token was issued for it), unless the
 * loudly named `dangerouslyAcceptAnyAudience: true` says the caller checks it (a bearer guard with
 * `expectedResource`, which reads the `aud` of the introspection response).
 *
 * @example
 * ```ts
 * const check: IntrospectionAudienceOptions = { expectedAudience: 'https://mcp.example.com/mcp' };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export type IntrospectionAudienceOptions =
  | {
      /** Accept only tokens whose `aud` names one of these (usually the MCP endpoint URL). */
      expectedAudience: string | readonly string[];
      dangerouslyAcceptAnyAudience?: never;
    }
  | {
      expectedAudience?: never;
      /**
       * Accept tokens whatever their `aud`: a token issued for another API passes unless the
       * bearer guard checks `expectedResource`. Only when the audience is checked there.
       */
      dangerouslyAcceptAnyAudience: true;
    };

/**
 * Options of {@link IntrospectionTokenVerifier} other than the audience check.
 *
 * @example
 * ```ts
 * const common: IntrospectionCommonOptions = { introspectionUrl: 'https://auth.example.com/oauth2/introspect', clientId: 'rs', clientSecret: process.env.RS_SECRET! };
 * ```
 */
export interface IntrospectionCommonOptions extends Omit<HttpClientOptions, 'retry'>, VerifierReportingOptions {
  /** The RFC 7662 endpoint. `https:` is required, except `http:` on a loopback host (tests, sidecars). */
  introspectionUrl: string | URL;
  /** Our client id at the authorization server (the resource server's credentials). */
  clientId: string;
  /** Our client secret. */
  clientSecret: string;
  /** How the credentials are sent. Default `client_secret_basic` (the HTTP `Authorization` header). */
  clientAuthMethod?: ClientAuthMethod | undefined;
  /** Scopes every token must carry; others are refused (reason `insufficient_scope`). */
  requiredScopes?: readonly string[] | undefined;
  /** Accept only tokens whose `iss` equals this. */
  expectedIssuer?: string | undefined;
  /** Clock skew tolerated on `exp` and `nbf`, in seconds. Default 30. */
  clockTolerance?: number | undefined;
  /**
   * Reuse results of active tokens (keyed by the token's SHA-256) for `ttlSeconds` (default 60,
   * never past `exp`), at most `maxEntries` (default 10 000). Off by default (`false`): real-time
   * revocation is why one introspects at all, and a cached result keeps a revoked token working
   * until it leaves the cache. Turn it on when the endpoint's load or latency matters more.
   */
  cache?: VerifierCacheOptions | false | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const CACHE_DEFAULTS = { enabled: false, ttlSeconds: 60, maxEntries: 10_000 };

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`IntrospectionTokenVerifier: ${name} must be a non-empty string`);
  }
  return value;
}

/** An upstream answer saying our own credentials were refused (RFC 7662 §2.3). */
function isCredentialsRejection(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError && (error.status === 401 || error.error === 'invalid_client');
}

/** What a failed introspection call is: always an outage (the endpoint could not say), never the token's fault. */
function asOutage(err: unknown): UpstreamError {
  if (isCredentialsRejection(err)) {
    return new UpstreamError(
      err.reason,
      `The introspection endpoint rejected our client credentials (HTTP ${err.status ?? '?'}${err.error ? ` ${err.error}` : ''}): check clientId, clientSecret and clientAuthMethod`,
      { status: err.status, error: err.error, errorDescription: err.errorDescription, cause: err },
    );
  }
  return err instanceof UpstreamError ? err : new UpstreamError('network', 'Token introspection failed', { cause: err });
}

/**
 * Verifies opaque (or any) bearer tokens with OAuth 2.0 Token Introspection (RFC 7662).
 *
 * Each verification `POST`s `token` and `token_type_hint=access_token` to the endpoint,
 * authenticated with our client credentials, with a timeout and a response size limit and no
 * retry. A token is accepted only if the answer is a 200 JSON object with `active: true` (the
 * boolean) that passes the `exp`/`nbf`, scope, audience and issuer checks.
 *
 * It follows the verifier policy of `TokenVerifier`: an invalid token is `null`, its reason
 * reported through `onInvalidToken` as a `TokenInvalidError` (`inactive`, `expired`,
 * `insufficient_scope`, …); when the endpoint cannot say (timeout, network error, HTTP error
 * status, a body that is not an RFC 7662 answer, our client credentials refused) `verifyToken`
 * rejects with an `UpstreamError`, so the bearer guard answers 502, not 401. A refusal of our
 * credentials also reaches `onInvalidToken` as a `ConfigurationError`: alert on it, every token
 * will fail until it is fixed.
 *
 * Concurrent verifications of one token share one HTTP call, with or without the cache.
 *
 * @example
 * ```ts
 * import { IntrospectionTokenVerifier } from '@mcpauth/introspection';
 * import { createBearerGuard } from '@mcpauth/core';
 *
 * const verifier = new IntrospectionTokenVerifier({
 *   introspectionUrl: 'https://keycloak.example.com/realms/mcp/protocol/openid-connect/token/introspect',
 *   clientId: 'mcp-server',
 *   clientSecret: process.env.KEYCLOAK_CLIENT_SECRET!,
 *   expectedAudience: 'https://mcp.example.com/mcp',
 *   requiredScopes: ['mcp:tools'],
 *   onInvalidToken: (err) => console.info('token refused', err.code, err.message),
 * });
 * const guard = createBearerGuard({ verifier, resourceMetadataUrl, expectedResource: 'https://mcp.example.com/mcp' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export class IntrospectionTokenVerifier implements TokenVerifier {
  /** Scopes every token must carry (the bearer guard advertises them). */
  readonly requiredScopes: readonly string[];
  readonly #url: URL;
  readonly #clientAuth: { headers: Record<string, string>; form: Record<string, string> };
  readonly #http: HttpClientOptions;
  readonly #expectedAudience: readonly string[] | undefined;
  readonly #expectedIssuer: string | undefined;
  readonly #clockTolerance: number;
  readonly #now: Clock;
  readonly #report: (error: AnyAuthError) => void;
  readonly #cache: { store: TtlCache<string, AccessToken>; ttlSeconds: number } | undefined;
  readonly #flights = new SingleFlight<string, AccessToken | null>();

  constructor(options: IntrospectionTokenVerifierOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('IntrospectionTokenVerifier: options are required');
    this.#url = secureUrl(options.introspectionUrl, 'IntrospectionTokenVerifier: introspectionUrl');
    const clientId = requireString(options.clientId, 'clientId');
    const clientSecret = requireString(options.clientSecret, 'clientSecret');
    const method = options.clientAuthMethod ?? 'client_secret_basic';
    if (method === 'client_secret_basic') {
      this.#clientAuth = { headers: { Authorization: clientSecretBasic(clientId, clientSecret) }, form: {} };
    } else if (method === 'client_secret_post') {
      this.#clientAuth = { headers: {}, form: { client_id: clientId, client_secret: clientSecret } };
    } else {
      throw new TypeError('IntrospectionTokenVerifier: clientAuthMethod must be "client_secret_basic" or "client_secret_post"');
    }

    this.requiredScopes = Object.freeze([...(options.requiredScopes ?? [])]);
    requireAudienceCheck(options, 'IntrospectionTokenVerifier', 'expectedAudience', 'the MCP endpoint URL');
    const audience = options.expectedAudience;
    const list = audience === undefined ? undefined : typeof audience === 'string' ? [audience] : [...audience];
    if (list !== undefined && (list.length === 0 || list.some((a) => typeof a !== 'string' || a.length === 0))) {
      throw new TypeError('IntrospectionTokenVerifier: expectedAudience must be a non-empty string or a non-empty list of them');
    }
    this.#expectedAudience = list;
    this.#expectedIssuer = options.expectedIssuer;
    this.#clockTolerance = options.clockTolerance ?? 30;
    if (!Number.isFinite(this.#clockTolerance) || this.#clockTolerance < 0) {
      throw new TypeError('IntrospectionTokenVerifier: clockTolerance must be a non-negative number of seconds');
    }
    if (options.now !== undefined && typeof options.now !== 'function')
      throw new TypeError('IntrospectionTokenVerifier: now must be a function');
    this.#now = options.now ?? epochSeconds;
    this.#report = invalidTokenReporter(options, 'IntrospectionTokenVerifier');
    this.#http = {
      ky: options.ky,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      retry: 0,
    };

    const cache = resolveVerifierCache(options.cache, 'IntrospectionTokenVerifier', CACHE_DEFAULTS);
    if (cache) this.#cache = { store: new TtlCache({ maxEntries: cache.maxEntries, now: this.#now }), ttlSeconds: cache.ttlSeconds };
  }

  /**
   * Verify a bearer token by introspection. Resolves to the {@link AccessToken} (a copy of its
   * own for each caller) or `null`; rejects with an `UpstreamError` when the endpoint cannot say.
   *
   * @example
   * ```ts
   * const token = await verifier.verifyToken(bearer);
   * if (token) console.log(token.clientId, token.subject, token.scopes);
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
   */
  async verifyToken(token: string): Promise<AccessToken | null> {
    if (typeof token !== 'string' || token.length === 0) {
      this.#report(new TokenInvalidError('malformed', 'The token is empty'));
      return null;
    }
    // Keyed by the token itself (synchronously) so that no caller can slip between flights.
    const result = await this.#flights.run(token, () => this.#verifyOnce(token));
    return result === null ? null : structuredClone(result);
  }

  async #verifyOnce(token: string): Promise<AccessToken | null> {
    const key = this.#cache ? await sha256(token) : undefined;
    const cached = key === undefined ? undefined : this.#cache?.store.get(key);
    if (cached !== undefined) return cached;
    let body: Record<string, unknown>;
    try {
      body = await this.#introspect(token);
    } catch (err) {
      const outage = asOutage(err);
      // every token will fail until this is fixed: a distinct code to alert on
      if (isCredentialsRejection(err)) this.#report(new ConfigurationError(outage.message, { cause: err }));
      throw outage;
    }
    try {
      const result = toAccessToken(token, body, {
        requiredScopes: this.requiredScopes,
        expectedAudience: this.#expectedAudience,
        expectedIssuer: this.#expectedIssuer,
        clockTolerance: this.#clockTolerance,
        now: this.#now(),
      });
      if (this.#cache && key !== undefined) {
        const untilExpiry = result.expiresAt === undefined ? Infinity : result.expiresAt - this.#now();
        this.#cache.store.set(key, result, { ttlSeconds: Math.min(this.#cache.ttlSeconds, untilExpiry) });
      }
      return result;
    } catch (err) {
      // the process step: an answer that is not RFC 7662's is the endpoint's fault (an outage)
      if (err instanceof UpstreamError) throw err;
      this.#report(
        err instanceof TokenInvalidError ? err : new TokenInvalidError('unverifiable', 'Token could not be verified', { cause: err }),
      );
      return null;
    }
  }

  async #introspect(token: string): Promise<Record<string, unknown>> {
    const form = new URLSearchParams({ token, token_type_hint: 'access_token', ...this.#clientAuth.form });
    const { json } = await fetchJson(this.#url, { method: 'POST', headers: this.#clientAuth.headers, form }, this.#http);
    return json;
  }
}
