import {
  TokenInvalidError,
  UpstreamError,
  type AccessToken,
  type Clock,
  type VerifierReportingOptions,
  type TokenVerifier,
  type VerifierCacheOptions,
} from '@mcpauth/core';
import {
  CachedTokenCheck,
  httpClientOptions,
  parseScopes,
  secureUrl,
  sendRequest,
  type HttpClientOptions,
  type TokenCheckVerdict,
} from '@mcpauth/core/kit';
import { workosEndpoints } from './endpoints.js';

/**
 * The claims a {@link WorkOSTokenVerifier} puts on an access token, from WorkOS's userinfo
 * endpoint. `sub` is always there; the others only when the token was granted the scope that
 * releases them (`email`: `email`, `email_verified`; `profile`: `name`, `given_name`,
 * `family_name`). Absent claims are left out, never `null`.
 *
 * @see https://workos.com/docs/reference/workos-connect/userinfo
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export type WorkOSUserInfoClaims = {
  /** The WorkOS user id (`user_01…`). */
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
};

/** An access token verified by WorkOS's userinfo endpoint. */
export type WorkOSAccessToken = AccessToken & { subject: string; expiresAt: number; claims: WorkOSUserInfoClaims };

/** Options of {@link WorkOSTokenVerifier}. */
export type WorkOSTokenVerifierOptions = HttpClientOptions &
  VerifierReportingOptions & {
    /** The AuthKit domain, e.g. `https://example-app.authkit.app` (`https://` added when missing). */
    authkitDomain: string | URL;
    /** `clientId` of the returned tokens (userinfo does not say which application a token belongs to). Default `'workos'`. */
    clientId?: string | undefined;
    /** Scopes every token must carry (from userinfo's `scope` / `scopes`), checked by the bearer guard. */
    requiredScopes?: readonly string[] | undefined;
    /**
     * The verdict cache (valid and 401 alike, keyed by the token's SHA-256), or `false` to ask
     * WorkOS every time. Default `{ ttlSeconds: 300, maxEntries: 10_000 }`. `ttlSeconds` is also
     * the `expiresAt` horizon of the tokens returned (never later than the token's own `exp`).
     */
    cache?: VerifierCacheOptions | false | undefined;
    /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
    now?: Clock | undefined;
  };

const MAX_TOKEN_LENGTH = 8192;
const CACHE_DEFAULTS = { ttlSeconds: 300, maxEntries: 10_000 };
const OPTIONAL_STRINGS = ['email', 'name', 'given_name', 'family_name'] as const;

/**
 * The `exp` a WorkOS access token (a JWT) states, read without checking the signature: used only
 * to cap how long a verdict WorkOS gave is kept, never to accept a token.
 */
function statedExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** The documented userinfo claims, checked: `sub` a non-empty string, the others of their type or left out. */
function userInfoClaims(body: unknown): WorkOSUserInfoClaims {
  const info = body as Record<string, unknown> | null;
  if (typeof info !== 'object' || info === null || Array.isArray(info) || typeof info['sub'] !== 'string' || info['sub'] === '') {
    throw new UpstreamError('invalid_body', 'WorkOS userinfo response has no sub', { status: 200 });
  }
  const claims: WorkOSUserInfoClaims = { sub: info['sub'] };
  for (const name of OPTIONAL_STRINGS) if (typeof info[name] === 'string') claims[name] = info[name];
  if (typeof info['email_verified'] === 'boolean') claims.email_verified = info['email_verified'];
  return claims;
}

/**
 * Verifies WorkOS Connect access tokens by asking WorkOS: `GET {authkitDomain}/oauth2/userinfo`
 * with the token as bearer. The token is treated as opaque (its signature and claims are WorkOS's
 * business): a 200 with a `sub` means valid; `subject` is `sub`, scopes come from the response's
 * `scope` (space-separated) or `scopes` (list), and `claims` are {@link WorkOSUserInfoClaims}.
 *
 * It follows core's verifier policy: verdicts (valid and 401 alike) are cached by the token's
 * SHA-256 for `cache.ttlSeconds` (never past the token's own `exp`), concurrent checks of one
 * token share one request; a 401 means invalid (`null`, reported through `onInvalidToken`); a
 * rate limit (429), timeout, 5xx, any other status or a malformed body means WorkOS could not say:
 * `verifyToken` rejects with an `UpstreamError` (not cached), so the bearer guard answers 502
 * (retry) rather than 401 (sign in again).
 *
 * It does not check which application a token was issued to, nor for which resource (userinfo
 * says neither): alone behind a bearer guard it needs `dangerouslyAcceptAnyAudience: true` and
 * accepts any live token of the AuthKit environment. Put it behind `WorkOSProvider`, where
 * clients only ever hold the proxy's own tokens, issued for the MCP endpoint.
 *
 * @example
 * ```ts
 * const verifier = new WorkOSTokenVerifier({ authkitDomain: 'example-app.authkit.app' });
 * const token = await verifier.verifyToken(raw); // { subject: 'user_01…', claims: { sub, email, … } } or null
 * ```
 * @see https://workos.com/docs/reference/workos-connect/userinfo
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class WorkOSTokenVerifier implements TokenVerifier {
  readonly requiredScopes: readonly string[];
  readonly #userinfoUrl: string;
  readonly #clientId: string;
  readonly #http: HttpClientOptions;
  readonly #checks: CachedTokenCheck<WorkOSAccessToken>;

  constructor(options: WorkOSTokenVerifierOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('WorkOSTokenVerifier: options with authkitDomain are required');
    // The bearer token goes to this URL: https only (http on loopback, for tests).
    this.#userinfoUrl = secureUrl(workosEndpoints(options.authkitDomain).userinfoEndpoint, 'WorkOSTokenVerifier: authkitDomain').href;
    if (options.clientId !== undefined && (typeof options.clientId !== 'string' || options.clientId === '')) {
      throw new TypeError('WorkOSTokenVerifier: clientId must be a non-empty string');
    }
    this.#clientId = options.clientId ?? 'workos';
    this.requiredScopes = [...(options.requiredScopes ?? [])];
    this.#checks = new CachedTokenCheck({
      owner: 'WorkOSTokenVerifier',
      upstream: 'WorkOS',
      cache: options.cache,
      defaults: CACHE_DEFAULTS,
      onInvalidToken: options.onInvalidToken,
      logger: options.logger,
      now: options.now,
      maxTokenLength: MAX_TOKEN_LENGTH,
    });
    this.#http = httpClientOptions(options, { timeoutMs: 5_000, maxResponseBytes: 64 * 1024 });
  }

  /**
   * Verify a WorkOS access token: the cached verdict, or one userinfo call. `null` when WorkOS
   * refuses the token; rejects with `UpstreamError` when WorkOS cannot say.
   */
  verifyToken(token: string): Promise<WorkOSAccessToken | null> {
    return this.#checks.check(token, (t) => this.#lookup(t));
  }

  async #lookup(token: string): Promise<TokenCheckVerdict<WorkOSAccessToken>> {
    const res = await sendRequest(this.#userinfoUrl, { headers: { Authorization: `Bearer ${token}` } }, this.#http);
    if (res.status === 401) throw new TokenInvalidError('inactive', 'WorkOS rejected the token (HTTP 401)');
    if (res.status === 429) {
      const retry = res.headers.get('retry-after');
      throw new UpstreamError('http_status', `WorkOS rate limit (HTTP 429${retry ? `, retry-after ${retry}` : ''})`, { status: 429 });
    }
    if (res.status !== 200) throw new UpstreamError('http_status', `WorkOS userinfo returned HTTP ${res.status}`, { status: res.status });
    let body: unknown;
    try {
      body = JSON.parse(res.text());
    } catch (cause) {
      throw new UpstreamError('invalid_body', 'WorkOS userinfo response is not JSON', { status: 200, cause });
    }
    const claims = userInfoClaims(body);
    const info = body as Record<string, unknown>;
    const now = this.#checks.now();
    const until = Math.min(now + this.#checks.ttlSeconds, statedExpiry(token) ?? Infinity);
    if (until <= now) throw new TokenInvalidError('expired', 'WorkOS token has expired');
    return {
      token: {
        clientId: this.#clientId,
        scopes: parseScopes(info['scope'] !== undefined ? info['scope'] : info['scopes']),
        expiresAt: Math.floor(until),
        subject: claims.sub,
        claims,
      },
      ttlSeconds: until - now,
    };
  }
}
