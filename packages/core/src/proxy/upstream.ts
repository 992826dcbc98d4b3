import { clientSecretBasic } from '../http/client-secret-basic.js';
import { UpstreamError } from '../errors/errors.js';
import { fetchJson, sendRequest, type HttpClientOptions } from '../http/outbound.js';
import type { OAuthProxyHooks, UpstreamAuthMethod, UpstreamEndpoints } from './options.js';
import type { ClientAssertionSigner } from './client-assertion.js';

/**
 * A validated upstream token response, with the raw body for hooks.
 *
 * @example
 * ```ts
 * const claims: OAuthProxyHooks['upstreamClaims'] = (upstream, response) => ({ sub: upstream.subject, team: response.raw['team_id'] });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface UpstreamTokenResponse {
  accessToken: string;
  /** Lifetime of the access token in seconds, when the upstream said. */
  expiresIn?: number | undefined;
  refreshToken?: string | undefined;
  /** Lifetime of the refresh token in seconds (`refresh_token_expires_in` / `refresh_expires_in`), when the upstream said. */
  refreshTokenExpiresIn?: number | undefined;
  idToken?: string | undefined;
  scope?: string | undefined;
  /** The whole response body. */
  raw: Record<string, unknown>;
}

/** What the upstream client needs from the proxy options. */
export interface UpstreamClientSettings {
  endpoints: UpstreamEndpoints;
  clientId: string;
  clientSecret?: string | undefined;
  /** Signs the `private_key_jwt` assertions (with `authMethod: 'private_key_jwt'`). */
  clientAssertion?: ClientAssertionSigner | undefined;
  authMethod: UpstreamAuthMethod;
  redirectUri: string;
  extraTokenParams: Readonly<Record<string, string>>;
  http?: HttpClientOptions | undefined;
  /** Replaces RFC 7009 revocation for upstreams that revoke differently. */
  revokeUpstream?: OAuthProxyHooks['revokeUpstream'];
}

/** `error` and `error_description` of an OAuth error body, when it is one. */
function oauthErrorBody(text: string): { error?: string; error_description?: string } {
  try {
    const body = JSON.parse(text) as Record<string, unknown> | null;
    const pick = (name: string) => (typeof body?.[name] === 'string' ? (body[name] as string) : undefined);
    return { error: pick('error'), error_description: pick('error_description') };
  } catch {
    return {};
  }
}

function seconds(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : undefined;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new UpstreamError('invalid_body', `Upstream token response has an invalid "${name}"`);
  return v;
}

/**
 * Validate a token endpoint body: an OAuth error (some IdPs, GitHub among them, answer errors
 * with status 200) becomes an `UpstreamError` with reason `oauth_error`; `access_token` must be a
 * non-empty string and `token_type`, when present, `Bearer` (case-insensitive). It does not
 * check the scopes granted: callers compare them with what they need.
 */
export function parseTokenResponse(body: Record<string, unknown>, status: number): UpstreamTokenResponse {
  if (typeof body['error'] === 'string') {
    const description = typeof body['error_description'] === 'string' ? body['error_description'] : undefined;
    throw new UpstreamError('oauth_error', `Upstream returned ${body['error']}`, {
      status,
      error: body['error'],
      errorDescription: description,
    });
  }
  const accessToken = optionalString(body, 'access_token');
  if (!accessToken) throw new UpstreamError('invalid_body', 'Upstream token response has no access_token', { status });
  const type = body['token_type'];
  if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer')) {
    throw new UpstreamError('invalid_body', 'Upstream token is not a bearer token', { status });
  }
  return {
    accessToken,
    expiresIn: seconds(body['expires_in']),
    refreshToken: optionalString(body, 'refresh_token'),
    refreshTokenExpiresIn: seconds(body['refresh_token_expires_in'] ?? body['refresh_expires_in']),
    idToken: optionalString(body, 'id_token'),
    scope: typeof body['scope'] === 'string' ? body['scope'] : undefined,
    raw: body,
  };
}

/**
 * The proxy's calls to the upstream authorization server: code exchange, refresh and
 * revocation, each with client authentication, a timeout and a size limit (core's `fetchJson`).
 */
export class UpstreamClient {
  readonly #o: UpstreamClientSettings;

  constructor(options: UpstreamClientSettings) {
    this.#o = options;
  }

  async #authenticate(form: URLSearchParams): Promise<Record<string, string>> {
    const { authMethod, clientId, clientSecret, clientAssertion } = this.#o;
    if (authMethod === 'client_secret_basic') return { Authorization: clientSecretBasic(clientId, clientSecret ?? '') };
    if (authMethod === 'private_key_jwt') {
      if (!clientAssertion) throw new TypeError('OAuthProxy: private_key_jwt needs upstream.privateKey');
      await clientAssertion.authenticate(form);
      return {};
    }
    form.set('client_id', clientId);
    if (authMethod === 'client_secret_post') form.set('client_secret', clientSecret ?? '');
    return {};
  }

  /** An upstream `invalid_client` is a misconfiguration of ours: said so, with the method used. */
  #explain(err: unknown): unknown {
    if (!(err instanceof UpstreamError) || err.error !== 'invalid_client') return err;
    const what = this.#o.authMethod === 'private_key_jwt' ? 'upstream.privateKey' : 'upstream.clientId and upstream.clientSecret';
    return new UpstreamError(
      err.reason,
      `Upstream refused the proxy's client authentication (${this.#o.authMethod}): check ${what} against the client registered there`,
      { status: err.status, error: err.error, errorDescription: err.errorDescription, cause: err },
    );
  }

  async #token(form: URLSearchParams): Promise<UpstreamTokenResponse> {
    for (const [k, v] of Object.entries(this.#o.extraTokenParams)) if (!form.has(k)) form.set(k, v);
    const headers = await this.#authenticate(form);
    try {
      const { json, status } = await fetchJson(this.#o.endpoints.tokenEndpoint, { method: 'POST', form, headers }, this.#o.http);
      return parseTokenResponse(json, status);
    } catch (err) {
      throw this.#explain(err);
    }
  }

  /** Exchange an upstream authorization code (RFC 6749 §4.1.3). */
  exchangeCode(params: {
    code: string;
    codeVerifier?: string | undefined;
    scopes?: readonly string[] | undefined;
    resource?: string | undefined;
  }) {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code: params.code, redirect_uri: this.#o.redirectUri });
    if (params.codeVerifier) form.set('code_verifier', params.codeVerifier);
    if (params.scopes && params.scopes.length > 0) form.set('scope', params.scopes.join(' '));
    if (params.resource) form.set('resource', params.resource);
    return this.#token(form);
  }

  /** Refresh upstream (RFC 6749 §6). */
  refresh(params: { refreshToken: string; scopes?: readonly string[] | undefined; resource?: string | undefined }) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: params.refreshToken });
    if (params.scopes && params.scopes.length > 0) form.set('scope', params.scopes.join(' '));
    if (params.resource) form.set('resource', params.resource);
    return this.#token(form);
  }

  /** Revoke an upstream token (RFC 7009, or the `revokeUpstream` hook); `false` when the upstream cannot revoke. */
  async revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<boolean> {
    const { revokeUpstream, clientId, clientSecret, http, endpoints } = this.#o;
    if (revokeUpstream) {
      await revokeUpstream({ token, tokenTypeHint: hint, clientId, clientSecret, endpoints, http });
      return true;
    }
    const endpoint = this.#o.endpoints.revocationEndpoint;
    if (!endpoint) return false;
    const form = new URLSearchParams({ token, token_type_hint: hint });
    const headers = await this.#authenticate(form);
    const res = await sendRequest(endpoint, { method: 'POST', form, headers }, this.#o.http);
    if (res.status !== 200) {
      const { error, error_description: errorDescription } = oauthErrorBody(res.text());
      throw this.#explain(
        new UpstreamError(error ? 'oauth_error' : 'http_status', `Upstream revocation returned HTTP ${res.status}`, {
          status: res.status,
          error,
          errorDescription,
        }),
      );
    }
    return true;
  }
}
