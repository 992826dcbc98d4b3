/**
 * The HTTP side of an OAuth 2.1 authorization server over any
 * `OAuthAuthorizationServerProvider`: RFC 8414 metadata, RFC 7591 registration, Client ID
 * Metadata Documents, authorization, token and RFC 7009 revocation endpoints.
 *
 * @module
 */
import { createRouter, type FetchHandler, type Route } from '../http/router.js';
import { CLIENT_CREDENTIALS_GRANT_TYPE, JWT_BEARER_GRANT_TYPE, type OAuthAuthorizationServerProvider } from '../protocols/provider.js';
import { normalizeResource } from '../resource-server/resource-url.js';
import { MemoryStore } from '../storage/memory-store.js';
import type { KeyValueStore } from '../storage/store.js';
import { secureUrl } from '../lib/url.js';
import type { Clock } from '../lib/clock.js';
import { createReporter, type AuthErrorHook } from '../logging/reporter.js';
import type { LoggingOptions } from '../logging/logger.js';
import { createAuthorizeHandler } from './authorize.js';
import { ClientMetadataDocuments, createClientResolver, type ClientIdMetadataDocumentOptions } from './cimd.js';
import type { ClientResolver } from './client-auth.js';
import type { EndpointContext } from './context.js';
import {
  authorizationServerMetadataUrl,
  buildAuthorizationServerMetadata,
  metadataHandler,
  normalizeIssuer,
  type AuthorizationServerMetadata,
} from './metadata.js';
import { createRegisterHandler, type ClientRegistrationOptions } from './register.js';
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_FORM_BYTES } from './request.js';
import { createRevokeHandler } from './revoke.js';
import { createTokenHandler } from './token.js';
import { DPoPProofVerifier } from '../dpop/proof.js';
import type { AuthorizationServerDPoPOptions } from '../dpop/token-endpoint.js';

/** Options of {@link createAuthorizationServer}. */
export interface AuthorizationServerOptions extends LoggingOptions {
  /** The back end: clients, codes, tokens. */
  // biome-ignore lint/suspicious/noExplicitAny: the handler accepts a provider of any code, refresh-token and access-token types
  provider: OAuthAuthorizationServerProvider<any, any, any>;
  /**
   * The issuer identifier (RFC 8414): `https`, or `http` on a loopback host for development.
   * Endpoints are served under its path (`{issuer}/authorize`, `/token`, `/register`, `/revoke`).
   */
  issuerUrl: string | URL;
  /** Scopes clients may ask for, advertised in the metadata (`offline_access` never is). `undefined` allows any scope. */
  scopesSupported?: readonly string[] | undefined;
  /**
   * The protected resource (MCP endpoint URL) tokens are issued for (RFC 8707). Requests naming
   * another resource are refused with `invalid_target`; requests naming none are bound to it.
   */
  resourceUrl?: string | URL | undefined;
  /**
   * Where the server keeps its own short-lived state: the registration rate-limit counters.
   * Default: the provider's `store` when it exposes one (so instances sharing a Redis store share
   * the limit), else a new `MemoryStore`.
   */
  store?: KeyValueStore | undefined;
  /**
   * Dynamic client registration: enabled by default, rate limited per client address; `false`
   * disables `/register`. `initialAccessToken` closes it (RFC 7591 §3).
   */
  clientRegistration?: false | ClientRegistrationOptions | undefined;
  /** Client ID Metadata Documents: enabled by default; `false` disables them. */
  cimd?: false | ClientIdMetadataDocumentOptions | undefined;
  /** Largest request body accepted by authorize (POST), token, revoke and register, in bytes. Default 16 KiB. */
  maxBodyBytes?: number | undefined;
  /**
   * Deadline for a request body to arrive in full, in milliseconds; a slower one is refused with
   * `408`. Default 10 000.
   */
  bodyTimeoutMs?: number | undefined;
  /** URL of human-readable documentation (`service_documentation`). */
  serviceDocumentationUrl?: string | URL | undefined;
  /**
   * DPoP (RFC 9449) at the token endpoint: proofs checked, tokens bound to their key when the
   * provider binds, `dpop_signing_alg_values_supported` advertised, and an authorization
   * request's `dpop_jkt` binds its code to that key (RFC 9449 §10). Default off (a `DPoP` header
   * and `dpop_jkt` are then ignored and tokens are Bearer).
   */
  dpop?: AuthorizationServerDPoPOptions | undefined;
  /**
   * Called with unexpected errors (answered as `server_error`; an `UnexpectedError` around what
   * was thrown, a `StorageFullError` for a full store) and with why a Client ID Metadata Document
   * was refused (a `RegistrationError`; the user sees a generic page). Never with a secret.
   */
  onError?: AuthErrorHook | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

/**
 * What {@link createAuthorizationServer} returns.
 *
 * @example
 * ```ts
 * const as: AuthorizationServer = createAuthorizationServer({ provider, issuerUrl });
 * export default { fetch: as.handler };                    // alone, or next to other routes:
 * const response = await routeRequest(as.routes, request);
 * ```
 */
export interface AuthorizationServer {
  /** The routes to mount (metadata, authorize, token, register, revoke); they plug into `routeRequest`. */
  routes: Route[];
  /** One Fetch handler for the routes, answering 404 elsewhere. */
  handler: FetchHandler;
  /** The RFC 8414 metadata document. */
  metadata: AuthorizationServerMetadata;
  /** Where the metadata document is served. */
  metadataUrl: string;
  /** The normalised issuer identifier. */
  issuer: string;
  /** Looks up a client by id, registered or by metadata document (for consent pages). */
  resolveClient: ClientResolver;
}

/**
 * The route paths of an authorization server with issuer `issuer`: RFC 8414
 * metadata, authorize, token, revoke, and register when `registration`. The OAuth proxy mounts
 * them before its authorization server exists (it is built on first use).
 */
export function authorizationServerPaths(
  issuer: string,
  registration: boolean,
): { metadata: string; authorize: string; token: string; revoke: string; register: string | undefined } {
  const normalized = normalizeIssuer(issuer);
  const base = new URL(normalized).pathname.replace(/\/$/, '');
  return {
    metadata: new URL(authorizationServerMetadataUrl(normalized)).pathname,
    authorize: `${base}/authorize`,
    token: `${base}/token`,
    revoke: `${base}/revoke`,
    register: registration ? `${base}/register` : undefined,
  };
}

/**
 * Build an OAuth 2.1 authorization server over a provider, as Fetch routes.
 *
 * - `GET /.well-known/oauth-authorization-server{issuer path}`: RFC 8414 metadata, with `iss`
 *   support (RFC 9207), S256 only, and the jwt-bearer grant when the provider implements it.
 * - `POST {issuer}/register`: RFC 7591 dynamic registration (secrets stored hashed), rate limited
 *   per client address (429 with `Retry-After`), optionally closed with an initial access token.
 * - `GET|POST {issuer}/authorize`: exact redirect URI matching (any port on loopback), PKCE
 *   S256 required; errors before the client is trusted are an HTML page, never a redirect.
 * - `POST {issuer}/token`: client authentication, single-use codes, refresh rotation, `no-store`.
 * - `POST {issuer}/revoke`: RFC 7009.
 * - `client_id`s that are https URLs are resolved as Client ID Metadata Documents.
 *
 * CORS is on metadata, register, token and revoke, never on authorize.
 *
 * @example
 * ```ts
 * const provider = new StoreOAuthProvider({ issuerUrl: 'https://mcp.example.com' });
 * const as = createAuthorizationServer({
 *   provider,
 *   issuerUrl: 'https://mcp.example.com',
 *   scopesSupported: ['mcp:tools'],
 *   resourceUrl: 'https://mcp.example.com/mcp',
 * });
 * const response = (await routeRequest(as.routes, request)) ?? (await mcpHandler(request));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414
 * @see https://www.rfc-editor.org/rfc/rfc6749
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-v2-1/
 */
export function createAuthorizationServer(options: AuthorizationServerOptions): AuthorizationServer {
  const provider = options?.provider;
  if (!provider || typeof provider.getClient !== 'function' || typeof provider.authorize !== 'function') {
    throw new TypeError('createAuthorizationServer: provider must implement OAuthAuthorizationServerProvider');
  }
  const issuer = normalizeIssuer(options.issuerUrl);
  let resourceUrl: string | undefined;
  if (options.resourceUrl !== undefined) {
    resourceUrl = normalizeResource(secureUrl(options.resourceUrl, 'createAuthorizationServer: resourceUrl').href)!;
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_FORM_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0)
    throw new TypeError('createAuthorizationServer: maxBodyBytes must be a positive integer');
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  if (!Number.isInteger(bodyTimeoutMs) || bodyTimeoutMs <= 0)
    throw new TypeError('createAuthorizationServer: bodyTimeoutMs must be a positive integer');
  const scopesSupported = options.scopesSupported ? [...options.scopesSupported] : undefined;
  const grantTypesSupported = ['authorization_code', 'refresh_token'];
  if (typeof provider.exchangeIdentityAssertion === 'function') grantTypesSupported.push(JWT_BEARER_GRANT_TYPE);
  if (typeof provider.exchangeClientCredentials === 'function') grantTypesSupported.push(CLIENT_CREDENTIALS_GRANT_TYPE);

  const report = createReporter({ source: 'createAuthorizationServer', hook: options.onError, logger: options.logger });
  const documents =
    options.cimd === false
      ? null
      : new ClientMetadataDocuments({
          ...options.cimd,
          grantTypesSupported,
          scopesSupported,
          redirectUriAllowed: provider.isRedirectUriAllowed ? (uri) => provider.isRedirectUriAllowed!(uri) : undefined,
          onError: report,
          now: options.now,
        });
  const resolveClient = createClientResolver(provider, documents);
  const ctx: EndpointContext = {
    provider,
    issuer,
    resolveClient,
    scopesSupported,
    resourceUrl,
    grantTypesSupported,
    maxBodyBytes,
    bodyTimeoutMs,
    store: options.store ?? provider.store ?? new MemoryStore(),
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    report,
  };
  if (options.dpop !== undefined) {
    const { store = ctx.store, ...dpop } = options.dpop;
    ctx.dpop = new DPoPProofVerifier({ ...dpop, store, now: ctx.now });
  }

  const url = (name: string) => `${issuer}/${name}`;
  const registration = options.clientRegistration === false ? undefined : (options.clientRegistration ?? {});
  const metadata = buildAuthorizationServerMetadata({
    issuer,
    endpoints: {
      authorization: url('authorize'),
      token: url('token'),
      revocation: url('revoke'),
      registration: registration ? url('register') : undefined,
    },
    scopesSupported,
    grantTypesSupported,
    clientIdMetadataDocumentSupported: documents !== null,
    serviceDocumentation: options.serviceDocumentationUrl === undefined ? undefined : new URL(options.serviceDocumentationUrl).href,
  });
  if (ctx.dpop) metadata['dpop_signing_alg_values_supported'] = [...ctx.dpop.algorithms];
  const metadataUrl = authorizationServerMetadataUrl(issuer);

  const paths = authorizationServerPaths(issuer, registration !== undefined);
  const routes: Route[] = [
    { path: paths.metadata, handler: metadataHandler(metadata) },
    { path: paths.authorize, handler: createAuthorizeHandler(ctx) },
    { path: paths.token, handler: createTokenHandler(ctx) },
    { path: paths.revoke, handler: createRevokeHandler(ctx) },
  ];
  if (registration && paths.register) routes.push({ path: paths.register, handler: createRegisterHandler(ctx, registration) });
  return { routes, handler: createRouter(routes), metadata, metadataUrl, issuer, resolveClient };
}
