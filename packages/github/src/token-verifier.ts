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
  secureUrl,
  sendRequest,
  type HttpClientOptions,
  type TokenCheckVerdict,
} from '@mcpauth/core/kit';
import { githubEndpoints } from './endpoints.js';

/**
 * The claims a {@link GitHubTokenVerifier} puts on an access token, from `GET /user`.
 * `email` is the user's public email and `name` their display name: either may be `null`.
 *
 * @see https://docs.github.com/en/rest/users/users#get-the-authenticated-user
 */
export type GitHubClaims = {
  /** The numeric GitHub user id, as a string (stable; the login can be renamed). */
  sub: string;
  login: string;
  name: string | null;
  email: string | null;
  avatar_url: string | null;
};

/** An access token verified by GitHub. */
export type GitHubAccessToken = AccessToken & { subject: string; expiresAt: number; claims: GitHubClaims };

/** Options of {@link GitHubTokenVerifier}. `apiBaseUrl` and `enterpriseUrl` are exclusive. */
export type GitHubTokenVerifierOptions = HttpClientOptions &
  VerifierReportingOptions & {
    /** `clientId` of the returned tokens (GitHub does not say which app a token belongs to). Default `'github'`. */
    clientId?: string | undefined;
    /** Scopes the bearer guard requires (GitHub OAuth scopes, e.g. `read:user`). */
    requiredScopes?: readonly string[] | undefined;
    /**
     * The verdict cache (valid and 401 alike, keyed by the token's SHA-256), or `false` to ask
     * GitHub every time. Default `{ ttlSeconds: 300, maxEntries: 10_000 }`. `ttlSeconds` is also
     * the `expiresAt` horizon of the tokens returned.
     */
    cache?: VerifierCacheOptions | false | undefined;
    /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
    now?: Clock | undefined;
  } & (
    | {
        /** REST API base: https (http only on loopback). Default `https://api.github.com`. */ apiBaseUrl?: string | undefined;
        enterpriseUrl?: undefined;
      }
    | { /** GitHub Enterprise Server URL: the API is at `{enterpriseUrl}/api/v3`. */ enterpriseUrl: string; apiBaseUrl?: undefined }
  );

const MAX_TOKEN_LENGTH = 4096;
const CACHE_DEFAULTS = { ttlSeconds: 300, maxEntries: 10_000 };

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * Verifies GitHub OAuth (and GitHub App user) access tokens, which are opaque, by calling
 * `GET {apiBaseUrl}/user`. The subject is the numeric user id; scopes come from the
 * `X-OAuth-Scopes` response header (absent for GitHub App tokens, which have none).
 *
 * Verdicts are cached by the token's SHA-256 for `cache.ttlSeconds` (valid and 401 alike), and
 * concurrent checks of one token share one request, so GitHub sees at most one call per token
 * per TTL. GitHub user tokens may not expire, so `expiresAt` is the cache horizon: the MCP SDK
 * needs one. It follows the verifier policy of `TokenVerifier`: a 401 from GitHub means invalid
 * (`null`, reported through `onInvalidToken`); a rate limit (403/429), timeout, 5xx or malformed
 * body means GitHub could not say: `verifyToken` rejects with an `UpstreamError` (not cached), so
 * the bearer guard answers 502 (retry) rather than 401 (sign in again), and `GitHubProvider`
 * keeps sessions on their last good check meanwhile (`upstreamOutageGrace`).
 *
 * It does not check which OAuth app the token was issued to (`/user` does not say), and GitHub
 * tokens name no resource (RFC 8707), so a bearer guard can only take it with
 * `dangerouslyAcceptAnyAudience: true`, and would then accept any user's GitHub token of any app.
 * Put it behind `GitHubProvider` instead, where clients only ever see the proxy's own tokens,
 * issued for the MCP endpoint.
 *
 * @example
 * ```ts
 * const verifier = new GitHubTokenVerifier({ requiredScopes: ['read:user'], onInvalidToken: (e) => log.info(e.message) });
 * const token = await verifier.verifyToken(raw); // { subject: '583231', claims: { login: 'octocat', … } } or null
 * ```
 * @see https://docs.github.com/en/rest/users/users#get-the-authenticated-user
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
 */
export class GitHubTokenVerifier implements TokenVerifier {
  readonly requiredScopes: readonly string[];
  readonly #userUrl: string;
  readonly #clientId: string;
  readonly #http: HttpClientOptions;
  readonly #checks: CachedTokenCheck<GitHubAccessToken>;

  constructor(options: GitHubTokenVerifierOptions = {}) {
    if (options.apiBaseUrl !== undefined && options.enterpriseUrl !== undefined) {
      throw new TypeError('GitHubTokenVerifier: give apiBaseUrl or enterpriseUrl, not both');
    }
    if ('cacheTtlSeconds' in options || 'cacheMaxEntries' in options) {
      throw new TypeError('GitHubTokenVerifier: cacheTtlSeconds and cacheMaxEntries are now cache: { ttlSeconds, maxEntries }');
    }
    this.#checks = new CachedTokenCheck({
      owner: 'GitHubTokenVerifier',
      upstream: 'GitHub',
      cache: options.cache,
      defaults: CACHE_DEFAULTS,
      onInvalidToken: options.onInvalidToken,
      logger: options.logger,
      now: options.now,
      maxTokenLength: MAX_TOKEN_LENGTH,
    });
    const apiBaseUrl = options.apiBaseUrl ?? githubEndpoints(options.enterpriseUrl).apiBaseUrl;
    // The bearer token goes to this URL: https only (http on loopback, for tests).
    this.#userUrl = `${secureUrl(apiBaseUrl, 'GitHubTokenVerifier: apiBaseUrl').href.replace(/\/+$/, '')}/user`;
    this.#clientId = options.clientId ?? 'github';
    this.requiredScopes = [...(options.requiredScopes ?? [])];
    this.#http = httpClientOptions(options, { timeoutMs: 5_000, maxResponseBytes: 64 * 1024 });
  }

  /**
   * Verify a GitHub token: the cached verdict, or one `GET /user`. `null` when GitHub refuses
   * the token; rejects with `UpstreamError` when GitHub cannot say.
   */
  verifyToken(token: string): Promise<GitHubAccessToken | null> {
    // GitHub said no (401): the token is invalid. GitHub could not answer (rate limit, timeout,
    // 5xx, malformed body): not the token's fault, so it rejects, and callers answer "try again"
    // (the guard: 502; the proxy keeps the session on its last good check).
    return this.#checks.check(token, (t) => this.#lookup(t));
  }

  async #lookup(token: string): Promise<TokenCheckVerdict<GitHubAccessToken>> {
    const res = await sendRequest(
      this.#userUrl,
      { headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' } },
      this.#http,
    );
    if (res.status === 401) throw new TokenInvalidError('inactive', 'GitHub rejected the token (HTTP 401)');
    if (res.status === 403 || res.status === 429) {
      const retry = res.headers.get('retry-after') ?? res.headers.get('x-ratelimit-reset');
      throw new UpstreamError(
        'http_status',
        `GitHub refused the call (HTTP ${res.status}, rate limit${retry ? `, retry-after/reset ${retry}` : ''})`,
        { status: res.status },
      );
    }
    if (res.status !== 200) throw new UpstreamError('http_status', `GitHub returned HTTP ${res.status}`, { status: res.status });
    let user: Record<string, unknown>;
    try {
      user = JSON.parse(res.text()) as Record<string, unknown>;
    } catch (cause) {
      throw new UpstreamError('invalid_body', 'GitHub /user response is not JSON', { status: 200, cause });
    }
    if (typeof user?.['id'] !== 'number' || !Number.isSafeInteger(user['id']) || typeof user['login'] !== 'string') {
      throw new UpstreamError('invalid_body', 'GitHub /user response has no numeric id and login', { status: 200 });
    }
    const subject = String(user['id']);
    const result: Omit<GitHubAccessToken, 'token'> = {
      clientId: this.#clientId,
      scopes: (res.headers.get('x-oauth-scopes') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
      expiresAt: Math.floor(this.#checks.now() + this.#checks.ttlSeconds),
      subject,
      claims: {
        sub: subject,
        login: user['login'],
        name: stringOrNull(user['name']),
        email: stringOrNull(user['email']),
        avatar_url: stringOrNull(user['avatar_url']),
      },
    };
    return { token: result, ttlSeconds: this.#checks.ttlSeconds };
  }
}
