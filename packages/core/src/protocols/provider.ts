import type { AccessToken } from './access-token.js';
import type { KeyValueStore } from '../storage/store.js';

/**
 * Client metadata as registered through RFC 7591 dynamic client registration or read from a
 * Client ID Metadata Document. Wire names (snake_case) because this is a JSON document.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export interface OAuthClientMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method?: 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | (string & {});
  grant_types?: string[];
  response_types?: string[];
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  scope?: string;
  contacts?: string[];
  tos_uri?: string;
  policy_uri?: string;
  jwks_uri?: string;
  /** The client's public keys (for `private_key_jwt`), when it does not publish them at `jwks_uri`. */
  jwks?: { keys: Record<string, unknown>[] };
  software_id?: string;
  software_version?: string;
  [extension: string]: unknown;
}

/**
 * A registered client: its metadata plus the credentials issued at registration (RFC 7591 §3.2.1).
 *
 * @example
 * ```ts
 * const client: OAuthClientInformationFull = {
 *   client_id: 'abc',
 *   redirect_uris: ['http://127.0.0.1:3000/callback'],
 *   token_endpoint_auth_method: 'none',
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
 */
export interface OAuthClientInformationFull extends OAuthClientMetadata {
  client_id: string;
  /**
   * The secret in clear: only in the registration response, sent once. Stored clients never
   * carry it; they carry {@link OAuthClientInformationFull.client_secret_hash}.
   */
  client_secret?: string;
  /**
   * SHA-256 of the client secret, base64url (`await sha256(secret)`): what the token and
   * revocation endpoints compare the presented secret against, in constant time. Set it for
   * pre-registered confidential clients too.
   */
  client_secret_hash?: string;
  client_id_issued_at?: number;
  /** 0 means the secret does not expire. */
  client_secret_expires_at?: number;
}

/**
 * The validated parameters of an authorization request, handed to
 * `OAuthAuthorizationServerProvider.authorize`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export interface AuthorizationParams {
  /** Opaque client state, returned unchanged on the redirect. */
  state?: string | undefined;
  /** Requested scopes (`undefined` when the client sent none). */
  scopes?: string[] | undefined;
  /** PKCE S256 code challenge. */
  codeChallenge: string;
  /** The redirect URI the client will be sent back to (validated against the registration). */
  redirectUri: string;
  /** Whether `redirect_uri` was present in the request (RFC 6749 §4.1.3 requires it again at the token endpoint then). */
  redirectUriProvidedExplicitly: boolean;
  /** RFC 8707 resource indicator. */
  resource?: string | undefined;
  /**
   * The `dpop_jkt` of the request (RFC 9449 §10): the RFC 7638 thumbprint of the client's DPoP
   * key, set only when the server does DPoP. The provider keeps it with the code and returns it
   * from `loadAuthorizationCode`: the token endpoint then redeems the code only with a proof by
   * that key.
   */
  dpopJkt?: string | undefined;
}

/**
 * An issued authorization code and what it is bound to.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export interface AuthorizationCode {
  code: string;
  scopes: string[];
  /** Expiry in seconds since the epoch. */
  expiresAt: number;
  clientId: string;
  codeChallenge: string;
  redirectUri: string;
  redirectUriProvidedExplicitly: boolean;
  resource?: string | undefined;
  /** The user who approved the request, when known. */
  subject?: string | undefined;
  /**
   * The DPoP key (RFC 7638 thumbprint) the code is bound to, from the authorization request's
   * `dpop_jkt`: the token endpoint refuses the code without a proof by this key (RFC 9449 §10).
   */
  dpopJkt?: string | undefined;
}

/**
 * An issued refresh token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export interface RefreshToken {
  token: string;
  clientId: string;
  scopes: string[];
  /** Expiry in seconds since the epoch; `undefined` when it does not expire. */
  expiresAt?: number | undefined;
  resource?: string | undefined;
  subject?: string | undefined;
  /**
   * The DPoP key (RFC 7638 thumbprint) the grant is bound to, when it was issued with DPoP: the
   * token endpoint then refuses a refresh without a proof, and for a public client a proof by
   * another key (RFC 9449 §5).
   */
  dpopJkt?: string | undefined;
}

/**
 * How the token endpoint asks a provider to issue tokens: bound to the key of the request's DPoP
 * proof (`dpopJkt`, RFC 9449 §5), when it carried one. A provider that binds puts the thumbprint
 * in the access token's `cnf.jkt`, keeps it with the refresh token (`RefreshToken.dpopJkt`), and
 * answers `token_type: "DPoP"`; one that ignores it issues Bearer tokens, which RFC 9449 allows.
 *
 * @example
 * ```ts
 * async exchangeAuthorizationCode(client, code, options) {
 *   return issue(client, code, { cnf: options?.dpopJkt ? { jkt: options.dpopJkt } : undefined });
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export interface TokenIssueOptions {
  dpopJkt?: string | undefined;
}

/**
 * A successful token response as sent on the wire (RFC 6749 §5.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface OAuthToken {
  access_token: string;
  /** `DPoP` for a token bound to the proof's key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

/**
 * Validated parameters of a SEP-990 identity-assertion request (RFC 7523 jwt-bearer grant), passed
 * to `OAuthAuthorizationServerProvider.exchangeIdentityAssertion`. `assertion` is the ID-JAG (a
 * signed JWT, `typ: oauth-id-jag+jwt`) issued by the enterprise identity provider.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 */
export interface IdentityAssertionParams {
  /** The JWT (ID-JAG) presented as the authorization grant. */
  assertion: string;
  scopes?: string[] | undefined;
  /** RFC 8707 resource indicator from the token request (client-controlled: not authoritative). */
  resource?: string | undefined;
}

/**
 * The grant type URI of the RFC 7523 JWT bearer grant (SEP-990 identity assertions).
 *
 * @example
 * ```ts
 * if (form.get('grant_type') === JWT_BEARER_GRANT_TYPE) await provider.exchangeIdentityAssertion?.(client, params);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer' as const;

/**
 * The claims of a verified Identity Assertion JWT Authorization Grant (ID-JAG, SEP-990), as an
 * {@link IdentityAssertionVerifier} returns them.
 *
 * @example
 * ```ts
 * const claims: IdentityAssertionClaims | null = await verifier.verify(params.assertion);
 * if (claims?.client_id !== client.client_id) throw new TokenError('invalid_grant', 'Not issued to this client');
 * ```
 */
export interface IdentityAssertionClaims {
  /** The enterprise identity provider. */
  iss: string;
  /** The end user. */
  sub: string;
  /** The client the grant was issued to. */
  client_id: string;
  /** Single-use identifier. */
  jti: string;
  exp: number;
  iat: number;
  /** The resource the grant is for (RFC 8707). */
  resource?: string | undefined;
  /** Space-separated scopes the identity provider granted. */
  scope?: string | undefined;
  [claim: string]: unknown;
}

/**
 * Verifies ID-JAGs: signature, trusted issuer, `typ: oauth-id-jag+jwt`, audience, required
 * claims. Invalid → `null`; an identity provider that cannot be reached → throws `UpstreamError`.
 * `IdJagVerifier` (`@mcpauth/jwt`) is one.
 *
 * @example
 * ```ts
 * const verifier: IdentityAssertionVerifier = new IdJagVerifier({ trustedIssuers, audience: issuerUrl });
 * ```
 */
export interface IdentityAssertionVerifier {
  verify(assertion: string): Promise<IdentityAssertionClaims | null>;
}

/**
 * The `grant_type` of the client-credentials grant (RFC 6749 §4.4), for machine clients.
 *
 * @example
 * ```ts
 * if (form.get('grant_type') === CLIENT_CREDENTIALS_GRANT_TYPE) await provider.exchangeClientCredentials?.(client, params);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export const CLIENT_CREDENTIALS_GRANT_TYPE = 'client_credentials' as const;

/**
 * What an OAuth authorization server needs from its back end. The HTTP handlers in this package
 * (metadata, register, authorize, token, revoke) are written against this interface; the OAuth
 * proxy and `StoreOAuthProvider` implement it.
 *
 * @typeParam TCode - the stored authorization code type
 * @typeParam TRefresh - the stored refresh token type
 * @typeParam TAccess - the access token type returned by `loadAccessToken`
 *
 * @example
 * ```ts
 * class MyProvider implements OAuthAuthorizationServerProvider {
 *   async getClient(clientId) { return db.clients.find(clientId); }
 *   // …every other method
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749
 */
export interface OAuthAuthorizationServerProvider<
  TCode extends AuthorizationCode = AuthorizationCode,
  TRefresh extends RefreshToken = RefreshToken,
  TAccess extends AccessToken = AccessToken,
> {
  /**
   * The store the provider keeps its state in, when it has one. `createAuthorizationServer`
   * keeps its registration rate-limit counters there too (unless given its own `store`), so
   * instances sharing the provider's store share the limit.
   */
  readonly store?: KeyValueStore | undefined;

  /** The client with this id, or `null` when it does not exist. */
  getClient(clientId: string): Promise<OAuthClientInformationFull | null>;

  /**
   * Save a client during dynamic registration. The client carries `client_secret_hash`, never the
   * secret in clear. Throw a `RegistrationError` to refuse its metadata. A provider may store less
   * than was asked for (RFC 7591 §2 lets the server replace metadata: for example only the
   * redirect URIs it allows): it then returns the client as stored, which is what the
   * registration response shows.
   */
  registerClient(client: OAuthClientInformationFull): Promise<OAuthClientInformationFull | void>;

  /**
   * Whether clients may be sent to this redirect URI (the server's allowlist); leave it undefined
   * to allow every redirect URI a client can register. The authorization endpoint asks it before
   * it trusts a redirect URI (a refused one gets an error page, never a redirect: RFC 9700
   * §4.11.2), and the redirect URIs of Client ID Metadata Documents are filtered through it.
   * Dynamic registration is `registerClient`'s to filter.
   */
  isRedirectUriAllowed?(redirectUri: string): boolean;

  /**
   * Handle a validated authorization request and return the URL to send the user agent to: the
   * client's redirect URI with a code, or a consent / upstream login page that leads there.
   * Codes SHOULD carry at least 160 bits of entropy (RFC 6749 §10.10). Throw an `AuthorizeError`
   * to refuse.
   */
  authorize(client: OAuthClientInformationFull, params: AuthorizationParams): Promise<string>;

  /** The authorization code, or `null` when unknown (or issued to another client). */
  loadAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: string): Promise<TCode | null>;

  /**
   * Exchange a code for tokens. Must consume the code exactly once (a replay throws
   * `TokenError('invalid_grant')`). Throw a `TokenError` to refuse.
   */
  exchangeAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: TCode, options?: TokenIssueOptions): Promise<OAuthToken>;

  /** The refresh token, or `null` when unknown (or issued to another client). */
  loadRefreshToken(client: OAuthClientInformationFull, refreshToken: string): Promise<TRefresh | null>;

  /**
   * Exchange a refresh token for new tokens; `scopes` is the (validated, possibly narrowed) scope
   * set. Implementations SHOULD rotate both tokens.
   */
  exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: TRefresh,
    scopes: string[],
    options?: TokenIssueOptions,
  ): Promise<OAuthToken>;

  /** The access token's data, or `null` when the token is invalid. */
  loadAccessToken(token: string): Promise<TAccess | null>;

  /**
   * Revoke a token. Does nothing for an invalid or revoked token. SHOULD revoke the access token
   * and its refresh token together, whichever is given.
   */
  revokeToken(token: TAccess | TRefresh): Promise<void>;

  /**
   * Exchange an identity assertion (SEP-990 ID-JAG, RFC 7523 jwt-bearer grant) for an access
   * token. Leave it undefined to refuse the grant (`unsupported_grant_type`). The handler only
   * calls it for authenticated confidential clients. The implementation must validate the ID-JAG:
   * signature, `iss`, `exp`, `typ: oauth-id-jag+jwt`; `aud` is this authorization server's
   * issuer; `sub` present; replay refused (`jti` tracked until `exp`); its `client_id` claim
   * equals the authenticated client; the issued token's audience is the ID-JAG's `resource`
   * claim; scopes derived from the ID-JAG and policy. It SHOULD NOT issue a refresh token. Throw
   * `TokenError('invalid_grant')` for a rejected assertion, `invalid_target` for an unknown resource.
   */
  exchangeIdentityAssertion?(
    client: OAuthClientInformationFull,
    params: IdentityAssertionParams,
    options?: TokenIssueOptions,
  ): Promise<OAuthToken>;

  /**
   * Issue an access token to a machine client (the `client_credentials` grant, RFC 6749 §4.4;
   * MCP's client-credentials extension). Leave it undefined to refuse the grant
   * (`unsupported_grant_type`; it is then not advertised). The handler only calls it for an
   * authenticated confidential client registered for the grant, with `scopes` within the server's
   * supported scopes and `resource` bound to the server's resource. The implementation decides
   * what the client may have (policy); it SHOULD NOT issue a refresh token.
   */
  exchangeClientCredentials?(
    client: OAuthClientInformationFull,
    params: { scopes: string[] | undefined; resource: string | undefined },
    options?: TokenIssueOptions,
  ): Promise<OAuthToken>;
}
