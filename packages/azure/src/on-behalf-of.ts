import { UpstreamError, type AccessToken, type Clock } from '@mcpauth/core';
import { epochSeconds, fetchJson, SingleFlight, TtlCache, type HttpClientOptions } from '@mcpauth/core/kit';
import { azureEndpoints, isGuid, type AzureEndpoints } from './endpoints.js';

/**
 * Options of {@link AzureOnBehalfOf}: your app's credentials and tenant, and the cache.
 *
 * @example
 * ```ts
 * const options: AzureOnBehalfOfOptions = { clientId, clientSecret, tenantId: 'organizations', http: { timeoutMs: 5000 } };
 * ```
 */
export interface AzureOnBehalfOfOptions {
  clientId: string;
  clientSecret: string;
  /** The tenant of the app (for `common` / `organizations` each request goes to the user's own tenant). */
  tenantId: string;
  /** The sign-in host of the cloud. Default `login.microsoftonline.com`. */
  authority?: string | undefined;
  /** Downstream tokens kept per user and scope set until shortly before they expire; `false` asks every time. Default `{ maxEntries: 10_000 }`. */
  cache?: { maxEntries?: number | undefined } | false | undefined;
  /** Seconds before a downstream token's expiry at which it is no longer handed out. Default 120. */
  expiryMarginSeconds?: number | undefined;
  /** Outbound HTTP (timeouts, size limits, fetch). */
  http?: HttpClientOptions | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

/**
 * A downstream API's token obtained on behalf of a user.
 *
 * @example
 * ```ts
 * const { accessToken, expiresAt } = await obo.getToken(user, ['https://graph.microsoft.com/User.Read']);
 * ```
 */
export interface OnBehalfOfToken {
  accessToken: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** The scopes Entra says the token carries (`scope` of its response). */
  scopes: string[];
}

const OBO_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * The OAuth 2.0 on-behalf-of flow of Microsoft Entra ID: exchanges a user's access token for
 * your API (verified by {@link AzureTokenVerifier}) for a token of a downstream API (Microsoft
 * Graph, another API of yours) at the token endpoint of the user's tenant, with your app's
 * credentials. Tokens are cached per user (`tid` + `oid`) and scope set until `expiryMarginSeconds`
 * before they expire; concurrent requests for one user and scope set share one call.
 *
 * Entra's refusals become an `UpstreamError` (reason `oauth_error`) carrying its `error` and
 * `error_description` (with the AADSTS code): `invalid_grant` (an expired or foreign assertion,
 * or consent missing: AADSTS65001) and `interaction_required` (Conditional Access, MFA: the
 * user must sign in again) are the ones to expect. The downstream scopes must be granted to your
 * app (API permissions, with admin or user consent), and must name one resource.
 *
 * @example
 * ```ts
 * import { AzureOnBehalfOf, AzureTokenVerifier } from '@mcpauth/azure';
 * const verifier = new AzureTokenVerifier({ clientId, tenantId });
 * const obo = new AzureOnBehalfOf({ clientId, clientSecret, tenantId });
 * const user = await verifier.verifyToken(raw);
 * if (user) {
 *   const graph = await obo.getToken(user, ['https://graph.microsoft.com/User.Read']);
 *   await fetch('https://graph.microsoft.com/v1.0/me', { headers: { Authorization: `Bearer ${graph.accessToken}` } });
 * }
 * ```
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-on-behalf-of-flow
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 */
export class AzureOnBehalfOf {
  readonly #endpoints: AzureEndpoints;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #http: HttpClientOptions | undefined;
  readonly #now: Clock;
  readonly #margin: number;
  readonly #cache: TtlCache<string, OnBehalfOfToken> | undefined;
  readonly #flights = new SingleFlight<string, OnBehalfOfToken>();

  constructor(options: AzureOnBehalfOfOptions) {
    if (!options || typeof options.clientId !== 'string' || options.clientId.length === 0) {
      throw new TypeError('AzureOnBehalfOf: clientId is required');
    }
    if (typeof options.clientSecret !== 'string' || options.clientSecret.length === 0) {
      throw new TypeError('AzureOnBehalfOf: clientSecret is required');
    }
    const margin = options.expiryMarginSeconds ?? 120;
    if (!Number.isFinite(margin) || margin < 0) throw new TypeError('AzureOnBehalfOf: expiryMarginSeconds must be a number ≥ 0');
    this.#endpoints = azureEndpoints({ tenantId: options.tenantId, authority: options.authority });
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#http = options.http;
    this.#now = options.now ?? epochSeconds;
    this.#margin = margin;
    this.#cache = options.cache === false ? undefined : new TtlCache({ maxEntries: options.cache?.maxEntries ?? 10_000, now: this.#now });
  }

  /**
   * A downstream token for the user of `user` (an access token for your API, verified by
   * {@link AzureTokenVerifier}: its `token` is the assertion, its `tid` and `oid` the cache key).
   * Rejects with an `UpstreamError` when Entra refuses or cannot be reached.
   */
  async getToken(user: AccessToken, scopes: readonly string[]): Promise<OnBehalfOfToken> {
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === 'string' && /^[\x21-\x7e]+$/.test(s))) {
      throw new TypeError('AzureOnBehalfOf: scopes must be a non-empty list, e.g. ["https://graph.microsoft.com/User.Read"]');
    }
    const tid = user?.claims?.['tid'];
    const userId = user.claims['oid'] ?? user.subject;
    if (!isGuid(tid) || typeof userId !== 'string' || typeof user.token !== 'string') {
      throw new TypeError('AzureOnBehalfOf: user must be an Entra access token verified by AzureTokenVerifier (with tid and oid)');
    }
    const key = `${tid.toLowerCase()}:${userId}\n${[...new Set(scopes)].sort().join(' ')}`;
    const cached = this.#cache?.get(key);
    if (cached) return cached;
    return this.#flights.run(key, () => this.#exchange(user.token, tid, scopes, key));
  }

  async #exchange(assertion: string, tid: string, scopes: readonly string[], key: string): Promise<OnBehalfOfToken> {
    const { kind } = this.#endpoints;
    // Multi-tenant apps exchange at the user's tenant; a single-tenant app at its own.
    const endpoint = kind === 'common' || kind === 'organizations' ? this.#endpoints.tokenEndpointOf(tid) : this.#endpoints.tokenEndpoint;
    const form = new URLSearchParams({
      grant_type: OBO_GRANT,
      client_id: this.#clientId,
      client_secret: this.#clientSecret,
      assertion,
      scope: [...new Set(scopes)].join(' '),
      requested_token_use: 'on_behalf_of',
    });
    const { json, status } = await fetchJson(endpoint, { method: 'POST', form }, this.#http);
    const accessToken = json['access_token'];
    const expiresIn = typeof json['expires_in'] === 'string' ? Number(json['expires_in']) : json['expires_in'];
    if (typeof accessToken !== 'string' || accessToken.length === 0 || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      throw new UpstreamError('invalid_body', 'The on-behalf-of response has no access_token and expires_in', { status });
    }
    const type = json['token_type'];
    if (typeof type === 'string' && type.toLowerCase() !== 'bearer') {
      throw new UpstreamError('invalid_body', 'The on-behalf-of token is not a bearer token', { status });
    }
    const now = this.#now();
    const token: OnBehalfOfToken = {
      accessToken,
      expiresAt: Math.floor(now + expiresIn),
      scopes: typeof json['scope'] === 'string' ? json['scope'].split(' ').filter(Boolean) : [...scopes],
    };
    const ttl = expiresIn - this.#margin;
    if (ttl > 0) this.#cache?.set(key, token, { ttlSeconds: ttl });
    return token;
  }
}
