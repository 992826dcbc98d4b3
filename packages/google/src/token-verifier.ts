import {
  TokenInvalidError,
  UpstreamError,
  type AccessToken,
  type Clock,
  type VerifierReportingOptions,
  type TokenVerifier,
  type VerifierCacheOptions,
} from '@mcpauth/core';
import { CachedTokenCheck, httpClientOptions, fetchJson, parseScopes, secureUrl, type HttpClientOptions } from '@mcpauth/core/kit';
import { accountPolicy, accountRefusal, type GoogleAccountPolicy } from './account-policy.js';
import { googleEndpoints, type GoogleEndpoints } from './endpoints.js';
import { readsUserInfo, withScopeAliases } from './scopes.js';

/**
 * The claims a {@link GoogleTokenVerifier} puts on an access token, from Google's tokeninfo and
 * userinfo answers. Each is present only when Google said it (`email` and `email_verified` need
 * the `email` scope, `name` and `picture` the `profile` scope, `hd` a Google Workspace or Cloud
 * Identity account).
 *
 * @example
 * ```ts
 * const claims: GoogleClaims = { sub: '110169484474386276334', email: 'ada@example.com', email_verified: true, hd: 'example.com' };
 * ```
 * @see https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo
 */
export type GoogleClaims = {
  /** The Google account id: stable, never reused (the email can change). */
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  picture?: string;
  /** The Google Workspace (or Cloud Identity) domain of the account. */
  hd?: string;
};

/**
 * An access token verified by Google.
 *
 * @example
 * ```ts
 * const token: GoogleAccessToken | null = await verifier.verifyToken(raw);
 * if (token) console.log(token.subject, token.claims.email);
 * ```
 */
export type GoogleAccessToken = AccessToken & { subject: string; expiresAt: number; claims: GoogleClaims };

/**
 * Options of {@link GoogleTokenVerifier}.
 *
 * @example
 * ```ts
 * const options: GoogleTokenVerifierOptions = { clientId: process.env.GOOGLE_CLIENT_ID!, hostedDomain: 'example.com', requireVerifiedEmail: true };
 * ```
 */
export type GoogleTokenVerifierOptions = HttpClientOptions &
  VerifierReportingOptions & {
    /**
     * Your OAuth client id (`….apps.googleusercontent.com`). A token is accepted only when Google
     * says it was issued to this client (`aud`, and `azp` when present): a token that any other
     * Google app obtained for the same user is refused.
     */
    clientId: string;
    /** Scopes the bearer guard requires (Google scopes; `email` and `profile` match their long forms too). */
    requiredScopes?: readonly string[] | undefined;
    /**
     * Accept only accounts of this Google Workspace domain (or one of these): the `hd` claim must
     * equal it. Accounts without a domain (gmail.com) are refused. Needs the `email` or `profile` scope.
     */
    hostedDomain?: string | readonly string[] | undefined;
    /** Accept only tokens whose account has a verified email address (`email_verified`). Needs the `email` scope. Default `false`. */
    requireVerifiedEmail?: boolean | undefined;
    /** The tokeninfo and userinfo endpoints. Default Google's ({@link googleEndpoints}); https only (http on loopback). */
    endpoints?: Pick<GoogleEndpoints, 'tokenInfoEndpoint' | 'userInfoEndpoint'> | undefined;
    /**
     * The verdict cache (valid and refused alike, keyed by the token's SHA-256; never past the
     * token's expiry), or `false` to ask Google every time. Default `{ ttlSeconds: 300, maxEntries: 10_000 }`.
     */
    cache?: VerifierCacheOptions | false | undefined;
    /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
    now?: Clock | undefined;
  };

/** Google documents access tokens of up to 2048 bytes; some headroom. */
const MAX_TOKEN_LENGTH = 4096;
const CACHE_DEFAULTS = { ttlSeconds: 300, maxEntries: 10_000 };

function refuse(reason: ConstructorParameters<typeof TokenInvalidError>[0], message: string): never {
  throw new TokenInvalidError(reason, message);
}

/** A whole number of seconds, as Google writes it (tokeninfo: a string; elsewhere a number). */
function seconds(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^-?\d{1,12}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

/** `true`/`false`, as Google writes it (tokeninfo: a string; userinfo: a boolean). */
function flag(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The parts of an answer that is not the token's fault (rate limit, 5xx, a bad body): an outage. */
function outage(err: unknown, what: string): UpstreamError {
  if (err instanceof UpstreamError) {
    if (err.status === 403 || err.status === 429) {
      return new UpstreamError(err.reason, `Google ${what} refused the call (HTTP ${err.status}, rate limit or quota)`, {
        status: err.status,
        cause: err,
      });
    }
    return err;
  }
  return new UpstreamError('network', `Google ${what} call failed`, { cause: err });
}

/**
 * Verifies Google OAuth access tokens, which are opaque: `POST {tokeninfo}` (Google's token
 * information endpoint; the token goes in the form body, never in a URL) says who the token was
 * issued to, to whom, with which scopes and for how long; then, when the token may read the
 * profile (`openid`, `email` or `profile`), `GET {userinfo}` adds `name`, `picture` and `hd`.
 *
 * **The token must have been issued to this app**: `aud` (and `azp`, when present) must equal
 * `clientId`, so a token some other Google app obtained for the same user is refused (reason
 * `audience`). Scopes come from `scope` (`email` and `profile` also in their short forms),
 * `expiresAt` from `expires_in`; claims are {@link GoogleClaims}. `hostedDomain` and
 * `requireVerifiedEmail` refuse accounts outside a Workspace domain or without a verified email.
 *
 * It follows the verifier policy of `TokenVerifier`: Google refusing the token (tokeninfo 400
 * `invalid_token`, userinfo 401) or a check above failing is `null`, reported through
 * `onInvalidToken`; a rate limit (403/429), a timeout, a 5xx or a malformed answer rejects with an
 * `UpstreamError` (not cached), so the bearer guard answers 502 and `GoogleProvider` keeps the
 * session on its last good check. Verdicts are cached by the token's SHA-256 (never past
 * the token's expiry) and concurrent checks of one token share one set of calls.
 *
 * Google access tokens name no resource (RFC 8707), so a bearer guard can take this verifier
 * alone only with `dangerouslyAcceptAnyAudience: true`; behind `GoogleProvider` clients only
 * ever hold the proxy's tokens, issued for the MCP endpoint.
 *
 * @example
 * ```ts
 * const verifier = new GoogleTokenVerifier({ clientId: process.env.GOOGLE_CLIENT_ID!, hostedDomain: 'example.com' });
 * const token = await verifier.verifyToken(raw); // { subject: '1101…', claims: { email, hd: 'example.com', … } } or null
 * ```
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 * @see https://cloud.google.com/docs/authentication/token-types#access-contents
 * @see https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo
 */
export class GoogleTokenVerifier implements TokenVerifier {
  readonly requiredScopes: readonly string[];
  readonly #clientId: string;
  readonly #tokenInfoUrl: string;
  readonly #userInfoUrl: string;
  readonly #policy: GoogleAccountPolicy;
  readonly #http: HttpClientOptions;
  readonly #checks: CachedTokenCheck<GoogleAccessToken>;

  constructor(options: GoogleTokenVerifierOptions) {
    if (!options || typeof options.clientId !== 'string' || options.clientId.length === 0) {
      throw new TypeError('GoogleTokenVerifier: clientId is required (the OAuth client the tokens must be issued to)');
    }
    this.#clientId = options.clientId;
    const endpoints = options.endpoints ?? googleEndpoints();
    // The bearer token goes to these URLs: https only (http on loopback, for tests).
    this.#tokenInfoUrl = secureUrl(endpoints.tokenInfoEndpoint, 'GoogleTokenVerifier: endpoints.tokenInfoEndpoint').href;
    this.#userInfoUrl = secureUrl(endpoints.userInfoEndpoint, 'GoogleTokenVerifier: endpoints.userInfoEndpoint').href;
    this.#policy = accountPolicy(options, 'GoogleTokenVerifier');
    this.requiredScopes = [...(options.requiredScopes ?? [])];
    this.#checks = new CachedTokenCheck({
      owner: 'GoogleTokenVerifier',
      upstream: 'Google',
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
   * Verify a Google access token: the cached verdict, or tokeninfo (then userinfo). `null` when
   * the token is refused; rejects with `UpstreamError` when Google cannot say.
   */
  verifyToken(token: string): Promise<GoogleAccessToken | null> {
    return this.#checks.check(token, async (t) => {
      const verdict = await this.#lookup(t);
      return { token: verdict, ttlSeconds: verdict.expiresAt - this.#checks.now() };
    });
  }

  /** The verdict: an access token, or a thrown `TokenInvalidError` (refused) or `UpstreamError` (outage). */
  async #lookup(token: string): Promise<Omit<GoogleAccessToken, 'token'>> {
    const now = this.#checks.now();
    const info = await this.#tokenInfo(token);
    // The process step: Google's answer must say who the token is for, whom and until when.
    const aud = text(info['aud']);
    const azp = info['azp'];
    if (aud === undefined && azp === undefined)
      throw new UpstreamError('invalid_body', 'Google tokeninfo names no audience', { status: 200 });
    if (aud !== this.#clientId || (azp !== undefined && azp !== this.#clientId)) {
      refuse('audience', 'Google token was issued to another OAuth client');
    }
    const expiresIn = seconds(info['expires_in']);
    if (expiresIn === undefined) throw new UpstreamError('invalid_body', 'Google tokeninfo has no expires_in', { status: 200 });
    if (expiresIn <= 0) refuse('expired', 'Google token has expired');
    const sub = text(info['sub']);
    if (sub === undefined) refuse('claim', 'Google token names no user (no sub: grant the openid, email or profile scope)');
    const scopes = withScopeAliases(parseScopes(info['scope']));
    const claims: GoogleClaims = { sub };
    const email = text(info['email']);
    if (email !== undefined) claims.email = email;
    const verified = flag(info['email_verified']);
    if (verified !== undefined) claims.email_verified = verified;
    if (readsUserInfo(scopes)) Object.assign(claims, await this.#userInfo(token, sub), { sub });
    this.#checkAccount(claims);
    return { clientId: this.#clientId, scopes, expiresAt: Math.floor(now + expiresIn), subject: sub, claims };
  }

  #checkAccount(claims: GoogleClaims): void {
    const refusal = accountRefusal(claims, this.#policy);
    if (refusal !== undefined) refuse('claim', refusal);
  }

  async #tokenInfo(token: string): Promise<Record<string, unknown>> {
    try {
      const { json } = await fetchJson(
        this.#tokenInfoUrl,
        { method: 'POST', form: new URLSearchParams({ access_token: token }) },
        this.#http,
      );
      return json;
    } catch (err) {
      // Google answers 400 {"error":"invalid_token","error_description":"Invalid Value"} for a token it does not know
      if (err instanceof UpstreamError && (err.status === 400 || err.status === 401)) {
        refuse('inactive', `Google rejected the token (tokeninfo HTTP ${err.status})`);
      }
      throw outage(err, 'tokeninfo');
    }
  }

  async #userInfo(token: string, sub: string): Promise<Omit<GoogleClaims, 'sub'>> {
    let json: Record<string, unknown>;
    try {
      ({ json } = await fetchJson(this.#userInfoUrl, { headers: { Authorization: `Bearer ${token}` } }, this.#http));
    } catch (err) {
      // revoked between the two calls
      if (err instanceof UpstreamError && err.status === 401) refuse('inactive', 'Google rejected the token (userinfo HTTP 401)');
      throw outage(err, 'userinfo');
    }
    if (json['sub'] !== sub) throw new UpstreamError('invalid_body', 'Google userinfo names another user than tokeninfo', { status: 200 });
    const out: Omit<GoogleClaims, 'sub'> = {};
    for (const name of ['email', 'name', 'picture', 'hd'] as const) {
      const value = text(json[name]);
      if (value !== undefined) out[name] = value;
    }
    const verified = flag(json['email_verified']);
    if (verified !== undefined) out.email_verified = verified;
    return out;
  }
}
