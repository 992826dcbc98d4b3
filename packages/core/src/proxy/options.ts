import type { JWK } from 'jose';
import type { Clock } from '../lib/clock.js';
import type { AccessToken } from '../protocols/access-token.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';
import type { OIDCConfiguration } from './oidc-discovery.js';
import type { HttpClientOptions } from '../http/outbound.js';
import type { KeyValueStore } from '../storage/store.js';
import type { ConsentMode } from '../consent/handler.js';
import type { UpstreamTokenResponse } from './upstream.js';
import type { AuthorizationServerOptions } from '../authorization-server/index.js';
import type { ResourceDPoPOptions } from '../dpop/resource.js';
import type { Logger, LoggingOptions } from '../logging/logger.js';
import type { AuthErrorHook } from '../logging/reporter.js';

/**
 * How the proxy authenticates to the upstream token and revocation endpoints: with its client
 * secret (HTTP Basic or in the form), with a JWT signed by its private key (`private_key_jwt`,
 * `upstream.privateKey`), or not at all (a public client).
 *
 * @example
 * ```ts
 * const method: UpstreamAuthMethod = 'client_secret_post'; // GitHub-style
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 */
export type UpstreamAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/**
 * The private key with which the proxy authenticates at the upstream by `private_key_jwt`
 * (RFC 7523 §2.2, OpenID Connect Core §9): for each token, refresh and revocation request it
 * signs a fresh assertion (`iss` = `sub` = `upstream.clientId`, `aud` = the upstream token
 * endpoint or issuer, a random `jti`, `iat`, `exp` a minute later). The upstream holds the public
 * key (registered as the client's `jwks` or `jwks_uri`).
 *
 * @example
 * ```ts
 * const privateKey: UpstreamPrivateKey = { key: JSON.parse(process.env.IDP_CLIENT_PRIVATE_JWK!), kid: 'mcp-proxy-2026' };
 * // or a (non-extractable) WebCrypto key
 * const fromCryptoKey: UpstreamPrivateKey = { key: keyPair.privateKey, alg: 'ES256', kid: 'k1' };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
export interface UpstreamPrivateKey {
  /** A private JWK (RSA, EC or OKP: never a symmetric key), or a WebCrypto private key allowed to `sign`. */
  key: JWK | CryptoKey;
  /** The `kid` header. Default: the JWK's `kid`; none for a `CryptoKey` without one. */
  kid?: string | undefined;
  /**
   * The signature algorithm (`RS256`, `PS256`, `ES256`, `EdDSA`, …; asymmetric only). Default: the
   * JWK's `alg`, else what the key's curve or WebCrypto algorithm implies (an RSA JWK without
   * `alg` needs it).
   */
  alg?: string | undefined;
  /**
   * The assertion's `aud`: the upstream token endpoint (`tokenEndpoint`, the default, what OpenID
   * Connect Core §9 says) or its issuer identifier (`issuer`: the discovered one, or
   * `upstream.issuer` when the endpoints are given).
   */
  audience?: 'tokenEndpoint' | 'issuer' | undefined;
}

/**
 * The upstream authorization server's endpoints.
 *
 * @example
 * ```ts
 * const upstream: UpstreamEndpoints = {
 *   authorizationEndpoint: 'https://github.com/login/oauth/authorize',
 *   tokenEndpoint: 'https://github.com/login/oauth/access_token',
 * };
 * ```
 */
export interface UpstreamEndpoints {
  /** The upstream's issuer identifier; needed only for `privateKey.audience: 'issuer'`. */
  issuer?: string | undefined;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** RFC 7009 revocation endpoint; without it, revocation is local only. */
  revocationEndpoint?: string | undefined;
}

/**
 * Named hooks for upstream quirks. Each has a default that fits a standard OAuth 2.0 server;
 * provider packages override only what their identity provider does differently.
 *
 * To refuse a user who signed in upstream (a policy: another domain, tenant or organization, an
 * unverified email), throw `new AuthorizeError('access_denied', description)` from
 * `upstreamClaims` or `grantScopes`: the client is sent back to its redirect URI with
 * `error=access_denied`, that `error_description` (shown to people: say which account is not
 * allowed, never a token) and its `state` (RFC 6749 §4.1.2.1); the refusal is logged
 * (`request_refused`), the upstream grant is revoked. Anything else thrown there is a
 * `server_error`.
 *
 * @example
 * ```ts
 * // Entra ID: custom scopes carry the API's identifier URI, and the token request repeats them.
 * const hooks: OAuthProxyHooks = {
 *   authorizeUrl: (url) => {
 *     const scopes = url.searchParams.get('scope')?.split(' ') ?? [];
 *     url.searchParams.set('scope', scopes.map((s) => (['openid', 'offline_access'].includes(s) ? s : `api://app/${s}`)).join(' '));
 *   },
 *   tokenExchangeScopes: (scopes) => scopes.map((s) => `api://app/${s}`),
 * };
 * ```
 */
export interface OAuthProxyHooks {
  /** Adjust the upstream authorization URL before the browser is sent there (add or rename parameters, prefix scopes). */
  authorizeUrl?: ((url: URL, context: { scopes: readonly string[]; resource: string | undefined }) => URL | void) | undefined;
  /** The `scope` sent with the code exchange; `undefined` sends none (the default). */
  tokenExchangeScopes?: ((scopes: readonly string[]) => readonly string[] | undefined) | undefined;
  /** The `scope` sent with an upstream refresh; `undefined` sends none (the default). */
  refreshScopes?: ((scopes: readonly string[]) => readonly string[] | undefined) | undefined;
  /**
   * The upstream identity claims kept with the authorization and shown to the MCP server as
   * `claims.upstream_claims` of each verified token (never put inside the token itself). Default:
   * `sub`, `email`, `name`, `preferred_username` and `login` of the verified upstream token.
   * Throw `AuthorizeError('access_denied', …)` to refuse the user (see {@link OAuthProxyHooks}).
   *
   * @example
   * ```ts
   * upstreamClaims: (upstream) => {
   *   if (!String(upstream.claims['email']).endsWith('@example.com')) throw new AuthorizeError('access_denied', 'Only example.com accounts may sign in');
   *   return defaultUpstreamClaims(upstream);
   * },
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
   */
  upstreamClaims?:
    | ((upstream: AccessToken, response: UpstreamTokenResponse) => Record<string, unknown> | Promise<Record<string, unknown>>)
    | undefined;
  /**
   * Which of the scopes the client asked for (and the user approved) are granted, once the user
   * has signed in upstream. The result is intersected with the requested scopes (a policy can
   * only narrow). Default, when the client's scopes are sent upstream (`forward.scopes`):
   * {@link grantUpstreamScopes}, the scopes the upstream says it granted (its token response's
   * `scope`; when it sends none, RFC 6749 §5.1 says it granted what was asked). When they are not
   * sent upstream, the upstream cannot vouch for them and the default grants what the user
   * approved: a server with scopes only some users may have sets this hook (the demo grants
   * `admin` to a configured list of users).
   *
   * @example
   * ```ts
   * // everyone signed in gets the requested scopes, "admin" only listed people
   * grantScopes: ({ requested, upstreamClaims }) =>
   *   requested.filter((s) => s !== 'admin' || ADMINS.includes(String(upstreamClaims['email']))),
   * ```
   */
  grantScopes?: ((context: ScopeGrantContext) => readonly string[] | Promise<readonly string[]>) | undefined;
  /**
   * Revoke an upstream token at an upstream without RFC 7009 revocation (GitHub's
   * `DELETE /applications/{client_id}/token`). Called for each upstream token of a revoked
   * session instead of the standard revocation request; throw an `UpstreamError` on failure
   * (it is reported, never surfaced to the client). Default: RFC 7009 at `revocationEndpoint`.
   */
  revokeUpstream?: ((request: UpstreamRevocation) => Promise<void>) | undefined;
}

/**
 * What a scope-grant policy ({@link OAuthProxyHooks.grantScopes}) decides on.
 *
 * @example
 * ```ts
 * const policy = ({ requested, upstream }: ScopeGrantContext) => (upstream.subject === 'root' ? requested : requested.filter((s) => s !== 'admin'));
 * ```
 */
export interface ScopeGrantContext {
  /** The scopes the client asked for and the user approved on the consent page. */
  requested: readonly string[];
  /** The client's id. */
  clientId: string;
  /** The upstream token response (its `scope` is what the upstream says it granted). */
  response: UpstreamTokenResponse;
  /** The verified upstream token. */
  upstream: AccessToken;
  /** The identity claims kept with the authorization (the `upstreamClaims` hook's result). */
  upstreamClaims: Readonly<Record<string, unknown>>;
}

/**
 * The default scope-grant policy of the OAuth proxy: the requested scopes that the upstream's
 * token response lists in `scope`; all requested scopes when the response has no `scope`
 * (RFC 6749 §5.1: then the upstream granted what was asked).
 *
 * @example
 * ```ts
 * hooks: { grantScopes: (context) => [...grantUpstreamScopes(context), 'profile:read'] }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function grantUpstreamScopes(context: ScopeGrantContext): readonly string[] {
  const granted = context.response.scope;
  if (granted === undefined) return context.requested;
  const names = new Set(granted.split(' ').filter(Boolean));
  return context.requested.filter((s) => names.has(s));
}

/**
 * The scope-grant policy that grants what the user approved on the consent page: every scope the
 * client asked for. The default when the client's scopes are not sent upstream (nothing upstream
 * can vouch for them); a provider states it explicitly when its upstream never sees this
 * server's scopes.
 *
 * @example
 * ```ts
 * hooks: { grantScopes: grantApprovedScopes }
 * ```
 */
export function grantApprovedScopes(context: ScopeGrantContext): readonly string[] {
  return context.requested;
}

/**
 * The scope-grant policy for upstreams whose verified tokens carry the user's permissions (Auth0
 * RBAC `permissions`, Cognito groups, mapped to scopes by the upstream verifier): the requested
 * scopes the verified upstream token has among its scopes.
 *
 * @example
 * ```ts
 * hooks: { grantScopes: grantVerifiedScopes }
 * ```
 */
export function grantVerifiedScopes(context: ScopeGrantContext): readonly string[] {
  return context.requested.filter((s) => context.upstream.scopes.includes(s));
}

const CLAIMS = ['sub', 'email', 'name', 'preferred_username', 'login'] as const;

/**
 * The default `upstreamClaims` hook: `sub`, `email`, `name`, `preferred_username` and `login` of
 * the verified upstream token (strings and numbers only).
 *
 * @example
 * ```ts
 * hooks: { upstreamClaims: (upstream, response) => ({ ...defaultUpstreamClaims(upstream), team: response.raw['team_id'] }) }
 * ```
 */
export function defaultUpstreamClaims(upstream: AccessToken): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of CLAIMS) {
    const v = upstream.claims[c];
    if (typeof v === 'string' || typeof v === 'number') out[c] = v;
  }
  if (out['sub'] === undefined && upstream.subject !== undefined) out['sub'] = upstream.subject;
  return out;
}

/**
 * One upstream token to revoke, handed to {@link OAuthProxyHooks.revokeUpstream} with what is
 * needed to authenticate the call.
 *
 * @example
 * ```ts
 * const revokeUpstream = async ({ token, clientId, clientSecret, http }: UpstreamRevocation) => {
 *   await sendRequest(`https://idp.example.com/tokens/${token}`, { method: 'DELETE', headers: { Authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` } }, http);
 * };
 * ```
 */
export interface UpstreamRevocation {
  token: string;
  tokenTypeHint: 'access_token' | 'refresh_token';
  clientId: string;
  clientSecret: string | undefined;
  /** The upstream's endpoints, as given or discovered (an IdP's own revocation URL can be derived from them). */
  endpoints: UpstreamEndpoints;
  /** The proxy's outbound HTTP options (timeouts, size limits, injected fetch). */
  http: HttpClientOptions | undefined;
}

/**
 * What a verifier factory receives once the upstream is discovered (`upstream.configUrl`).
 *
 * @example
 * ```ts
 * const verifier = ({ jwksUri, issuer, clientId, verifyIdToken }: OIDCVerifierContext) =>
 *   new JWTVerifier({ jwksUri, issuer, audience: verifyIdToken ? clientId : 'https://api.example.com' });
 * ```
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export interface OIDCVerifierContext {
  /** The discovered `issuer`. */
  issuer: string;
  /** The discovered `jwks_uri`. */
  jwksUri: string;
  /** Our client id at the provider (the audience of ID tokens). */
  clientId: string;
  /** The `audience` sent upstream (`OIDCProxy`'s `upstream.audience`), when there is one. */
  audience?: string | undefined;
  /** Whether the verifier will be given ID tokens rather than access tokens. */
  verifyIdToken: boolean;
  /** The whole configuration document. */
  configuration: OIDCConfiguration;
  /** The proxy's `logger` option, to give the verifier (`new JWTVerifier({ ..., logger })`). */
  logger?: Logger | false | undefined;
}

/**
 * Who the proxy is at the upstream and what it asks for: the part of {@link UpstreamOptions}
 * that does not depend on how the endpoints are known.
 *
 * @example
 * ```ts
 * const client: UpstreamClientOptions = { clientId: 'mcp-server', clientSecret: process.env.IDP_CLIENT_SECRET!, scopes: ['openid'] };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export interface UpstreamClientOptions {
  /** Our client id at the upstream (registered by hand). */
  clientId: string;
  /** Our client secret at the upstream; omit for `privateKey` and for upstreams that accept public clients. */
  clientSecret?: string | undefined;
  /**
   * Our private key, to authenticate at the upstream by `private_key_jwt` instead of a secret
   * (some IdPs require it of confidential clients). Not together with `clientSecret`; without a
   * secret, `jwtSigningKey` is required.
   */
  privateKey?: UpstreamPrivateKey | undefined;
  /**
   * How the proxy authenticates at the token and revocation endpoints. Default `private_key_jwt`
   * with a `privateKey`; `client_secret_basic` with a secret (for a discovered upstream: the first
   * of `client_secret_basic`, `client_secret_post` it supports); `none` without either.
   */
  authMethod?: UpstreamAuthMethod | undefined;
  /** Scopes always requested upstream besides the client's (for example `openid`, `offline_access`). */
  scopes?: readonly string[] | undefined;
  /** Verify the upstream ID token instead of the access token (for IdPs with opaque access tokens). */
  verifyIdToken?: boolean | undefined;
  /** Extra parameters on the upstream authorization URL. */
  extraAuthorizeParams?: Readonly<Record<string, string>> | undefined;
  /** Extra parameters on the upstream code exchange and refresh. */
  extraTokenParams?: Readonly<Record<string, string>> | undefined;
}

/**
 * The upstream identity provider: its endpoints (given, or discovered from its OpenID
 * configuration on first use), our client there, and the verifier of its tokens.
 *
 * @example
 * ```ts
 * const upstream: UpstreamOptions = {
 *   authorizationEndpoint: 'https://idp.example.com/authorize',
 *   tokenEndpoint: 'https://idp.example.com/token',
 *   clientId: 'mcp-server',
 *   clientSecret: process.env.IDP_CLIENT_SECRET!,
 *   verifier: upstreamVerifier,
 * };
 * // or discovered:
 * const discovered: UpstreamOptions = {
 *   configUrl: 'https://idp.example.com/.well-known/openid-configuration',
 *   clientId: 'mcp-server',
 *   clientSecret: process.env.IDP_CLIENT_SECRET!,
 *   verifier: ({ jwksUri, issuer, clientId }) => new JWTVerifier({ jwksUri, issuer, audience: clientId }),
 * };
 * ```
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */
export type UpstreamOptions = UpstreamClientOptions &
  (
    | (UpstreamEndpoints & {
        /** Verifies upstream tokens (the access token, or the ID token when `verifyIdToken`). */
        verifier: TokenVerifier;
        configUrl?: never;
        expectedIssuer?: never;
      })
    | {
        /**
         * The provider's `/.well-known/openid-configuration` URL: the endpoints are discovered on
         * first use (or `ready()`), with a timeout; a failed discovery is retried on the next use.
         */
        configUrl: string | URL;
        /** The issuer the configuration must name, when it differs from the URL's prefix. */
        expectedIssuer?: string | undefined;
        /** Verifies upstream tokens: a verifier, or a factory given the discovered provider (its `jwks_uri`, `issuer`). */
        verifier: TokenVerifier | ((context: OIDCVerifierContext) => TokenVerifier);
        issuer?: never;
        authorizationEndpoint?: never;
        tokenEndpoint?: never;
        revocationEndpoint?: never;
      }
  );

/**
 * What the proxy sends upstream besides its own client credentials.
 *
 * @example
 * ```ts
 * const forward: ProxyForwardOptions = { scopes: false, resource: false }; // the MCP scopes are this server's own
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707
 */
export interface ProxyForwardOptions {
  /** Send a PKCE S256 challenge upstream (the proxy's own pair). Default `true`. */
  pkce?: boolean | undefined;
  /**
   * Send the client's RFC 8707 `resource` (the MCP URL) upstream. Default `false`: the proxy
   * issues its own tokens for the MCP resource, and an upstream that does not know the MCP URL
   * as a resource refuses it (`invalid_target`). Turn it on for an upstream configured with the
   * MCP URL as a resource indicator.
   */
  resource?: boolean | undefined;
  /**
   * Send the scopes the client asked for upstream, next to `upstream.scopes`. Default `true`
   * (`false` for `OIDCProxy`): the MCP scopes are also the upstream's scope names, and the
   * default scope-grant policy grants only those the upstream says it granted. Set `false` when
   * the MCP scopes are this server's own (the upstream is asked for `upstream.scopes` only); the
   * default policy then grants what the user approved on the consent page, so restrict scopes
   * only some users may have with `hooks.grantScopes`.
   */
  scopes?: boolean | undefined;
}

/**
 * The consent page of the proxy (one per client, the confused-deputy rule).
 *
 * @example
 * ```ts
 * const consent: ProxyConsentOptions = { mode: 'remember', serverName: 'Notes', providerName: 'GitHub', scopeDescriptions: { 'notes:read': 'Read your notes' } };
 * ```
 * @see https://modelcontextprotocol.io/specification/draft/basic/security_best_practices#confused-deputy-problem
 */
export interface ProxyConsentOptions {
  /** `always` (default), `remember`, `off` (development), `external` (consent collected upstream). */
  mode?: ConsentMode | undefined;
  /** Shown on the consent page. Default: the MCP endpoint's host. */
  serverName?: string | undefined;
  /** The identity provider's name, shown on the consent page (for example "GitHub"). */
  providerName?: string | undefined;
  /** Descriptions of scopes, shown on the consent page. */
  scopeDescriptions?: Readonly<Record<string, string>> | undefined;
  /** Replaces the Content-Security-Policy of the consent and callback pages. */
  contentSecurityPolicy?: string | undefined;
}

/**
 * How long the proxy keeps things, in seconds.
 *
 * @example
 * ```ts
 * const lifetimes: ProxyLifetimes = { accessToken: 900, refreshToken: 7 * 86_400 };
 * ```
 */
export interface ProxyLifetimes {
  /** Our access tokens. Default 3600. */
  accessToken?: number | undefined;
  /** Our refresh tokens when the upstream does not say. Default 30 days. */
  refreshToken?: number | undefined;
  /**
   * A dynamically registered client that never completes an authorization. Each code exchange
   * extends it to the lifetime of the grant's refresh tokens, so a client with live grants never
   * expires. Default 1 day.
   */
  registeredClient?: number | undefined;
  /**
   * How long a session's last successful upstream validation keeps being used while the upstream
   * cannot be reached (the upstream verifier throws `UpstreamError`: a rate limit, a timeout, a
   * 5xx), so an IdP hiccup at re-validation time does not sign everyone out. An upstream that
   * answers "invalid" ends the session at once. 0 turns it off. Default 600.
   */
  upstreamOutageGrace?: number | undefined;
}

/**
 * Options of `OAuthProxy`. Bad options throw `TypeError` at construction; the rest of the set-up
 * (key derivation, upstream discovery) happens on first use or `ready()`.
 *
 * @example
 * ```ts
 * const options: OAuthProxyOptions = {
 *   upstream: {
 *     authorizationEndpoint: 'https://idp.example.com/authorize',
 *     tokenEndpoint: 'https://idp.example.com/token',
 *     clientId: 'mcp-server',
 *     clientSecret: process.env.IDP_CLIENT_SECRET!,
 *     verifier: upstreamVerifier,
 *   },
 *   baseUrl: 'https://mcp.example.com',
 *   validScopes: ['notes:read', 'notes:write'],
 *   requiredScopes: ['notes:read'],
 *   consent: { serverName: 'Notes' },
 * };
 * ```
 */
export interface OAuthProxyOptions extends LoggingOptions {
  /** The upstream identity provider: endpoints (or `configUrl`), our client there, the verifier of its tokens. */
  upstream: UpstreamOptions;
  /** Public origin (and optional path) where the proxy's routes are served, e.g. `https://mcp.example.com`. */
  baseUrl: string | URL;
  /** Origin of the MCP endpoint when it differs from `baseUrl`. */
  resourceBaseUrl?: string | URL | undefined;
  /** Path of the MCP endpoint. Default `/mcp`. */
  mcpPath?: string | undefined;
  /** Path of the upstream callback, registered at the upstream. Default `/auth/callback`. */
  redirectPath?: string | undefined;
  /** Path of the consent page. Default `/consent`. */
  consentPath?: string | undefined;
  /** Issuer of this authorization server. Default `baseUrl`. */
  issuerUrl?: string | URL | undefined;
  /**
   * Redirect URIs clients may use, as patterns: `*` as the port matches any port, a `*` host
   * label matches one label, a path ending in `*` is a prefix, no path means any path. A
   * registration keeps the allowed subset of its redirect URIs (refused only when none is
   * allowed); a Client ID Metadata Document's are filtered the same way; `/authorize` shows an
   * error page, never a redirect, for a redirect URI outside the list. Default: loopback on any
   * port (`http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*`). `knownMcpClientRedirectUris`
   * adds the hosted and custom-scheme callbacks of widely used MCP clients (Claude, ChatGPT,
   * VS Code, Cursor).
   */
  allowedClientRedirectUris?: readonly string[] | undefined;
  /** Scopes clients may request (advertised in the metadata). Default: any. */
  validScopes?: readonly string[] | undefined;
  /** Scopes granted when a client asks for none. Default `requiredScopes`. */
  defaultScopes?: readonly string[] | undefined;
  /** Scopes every MCP request needs. Default none. */
  requiredScopes?: readonly string[] | undefined;
  /** What is sent upstream: PKCE (default on), the client's `resource` (off), the client's scopes (on). */
  forward?: ProxyForwardOptions | undefined;
  /** The consent page: mode, names and descriptions shown, its Content-Security-Policy. */
  consent?: ProxyConsentOptions | undefined;
  /** Lifetimes of tokens, registrations and the upstream outage grace, in seconds. */
  lifetimes?: ProxyLifetimes | undefined;
  /**
   * Storage of clients, transactions, codes and token families (encrypted, keys hashed). Default:
   * a `MemoryStore` (each collection bounded; a full one refuses new entries with a `503`, never
   * evicts a live grant). The registration rate-limit counters are kept there too.
   */
  store?: KeyValueStore | undefined;
  /**
   * At least 32 random bytes, the material every proxy key is derived from (token signing, consent
   * cookie signing, store encryption). Without it they are derived from `upstream.clientSecret`
   * (which then must be 32 bytes or more): fine for development, but rotating the upstream secret
   * would then invalidate every token, cookie and stored record, and whoever holds that secret can
   * mint tokens for this server. Set it in production; the proxy warns once at construction when
   * it is missing and `baseUrl` is not on loopback.
   */
  jwtSigningKey?: string | Uint8Array | undefined;
  /** Options of the authorization-server endpoints (registration, CIMD, body size, documentation). */
  authorizationServer?: ProxyAuthorizationServerOptions | undefined;
  /**
   * DPoP (RFC 9449): the token endpoint binds the tokens of a request with a `DPoP` proof to its
   * key (`token_type: "DPoP"`, `cnf.jkt`; the grant keeps the key on refresh), a code whose
   * authorization request named a key in `dpop_jkt` is redeemed only with a proof by it (RFC 9449
   * §10), the guard accepts them with proofs, and the metadata say so. `required: true` refuses Bearer at the MCP
   * endpoint. Used proofs are remembered in `store`. Default off.
   */
  dpop?: ProxyDPoPOptions | undefined;
  /** Outbound HTTP (timeouts, size limits, fetch). */
  http?: HttpClientOptions | undefined;
  /** Quirk hooks. */
  hooks?: OAuthProxyHooks | undefined;
  /**
   * Called with each refused token and failed upstream call, and with unexpected failures of the
   * endpoints (an `UnexpectedError` around what was thrown). Never receives a token or secret.
   */
  onError?: AuthErrorHook | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

/**
 * DPoP at the proxy (its `dpop` option): the proof checks of its token endpoint and its guard.
 *
 * @example
 * ```ts
 * const dpop: ProxyDPoPOptions = { required: true, nonce: { secret: process.env.DPOP_NONCE_SECRET! } };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export type ProxyDPoPOptions = Omit<ResourceDPoPOptions, 'store'>;

/**
 * Authorization-server options the proxy passes through to `createAuthorizationServer`.
 *
 * @example
 * ```ts
 * const authorizationServer: ProxyAuthorizationServerOptions = { cimd: false, clientRegistration: { } };
 * ```
 */
export type ProxyAuthorizationServerOptions = Pick<
  AuthorizationServerOptions,
  'clientRegistration' | 'cimd' | 'maxBodyBytes' | 'bodyTimeoutMs' | 'serviceDocumentationUrl'
>;
