import { epochSeconds, type Clock } from '../lib/clock.js';
import { secureUrl } from '../lib/url.js';
import type { HttpClientOptions } from '../http/outbound.js';
import { createRouter, type FetchHandler, type Route } from '../http/router.js';
import type { AuthProvider } from '../protocols/auth-provider.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';
import { createBearerGuard, type BearerGuard } from '../resource-server/bearer-guard.js';
import { createProtectedResourceMetadata, type ProtectedResourceMetadata } from '../resource-server/metadata.js';
import { forwardedMetadataHandler } from './forwarded-metadata.js';
import type { ResourceDPoPOptions } from '../dpop/resource.js';
import { ASYMMETRIC_ALGORITHMS } from '../lib/jws.js';
import type { LoggingOptions } from '../logging/logger.js';
import { createReporter, type AuthErrorHook } from '../logging/reporter.js';

/** Where the MCP endpoint is: its full URL, or a base URL plus the MCP path. */
export type RemoteResourceLocation =
  | {
      /** The MCP endpoint's public URL (the protected resource), e.g. `https://mcp.example.com/mcp`. */
      resourceUrl: string | URL;
      baseUrl?: never;
      mcpPath?: never;
    }
  | {
      /** The server's public base URL, e.g. `https://mcp.example.com` (a path is kept). */
      baseUrl: string | URL;
      /** The MCP endpoint's path under `baseUrl`. Default `/mcp`. */
      mcpPath?: string | undefined;
      resourceUrl?: never;
    };

/** Options of forwarding the authorization server's metadata (see {@link RemoteAuthProviderOptions}). */
export interface ForwardMetadataOptions {
  /** Where to fetch it. Default `{issuer}/.well-known/oauth-authorization-server` of the first authorization server. */
  metadataUrl?: string | URL | undefined;
  /** How long a fetched document is served before it is fetched again, in seconds. Default 3600. */
  cacheTtlSeconds?: number | undefined;
}

/**
 * What a verifier factory of {@link RemoteAuthProviderOptions} receives: where the protected
 * resource is, for a verifier whose audience is this server's resource URL (RFC 8707).
 *
 * @example
 * ```ts
 * const verifier = ({ resourceUrl }: RemoteVerifierContext) => new JWTVerifier({ jwksUri, issuer, audience: resourceUrl });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export interface RemoteVerifierContext {
  /** The MCP endpoint's URL, as listed in the metadata (`resource`). */
  resourceUrl: string;
}

/** Options of {@link RemoteAuthProvider}. */
export type RemoteAuthProviderOptions = RemoteResourceLocation &
  LoggingOptions & {
    /**
     * Issuer URLs of the authorization servers that issue tokens for this resource (at least one),
     * listed in the RFC 9728 metadata. https (http only on a loopback host), like every URL here.
     */
    authorizationServers: readonly (string | URL)[];
    /**
     * Verifies the bearer tokens those servers issue (for JWTs, `JWTVerifier` from `@mcpauth/jwt`),
     * or a factory given the resource URL, for a verifier whose audience is this server
     * (`({ resourceUrl }) => new JWTVerifier({ …, audience: resourceUrl })`).
     */
    verifier: TokenVerifier | ((context: RemoteVerifierContext) => TokenVerifier);
    /** Scopes advertised in the metadata (`scopes_supported`). Default: `requiredScopes`. */
    scopesSupported?: readonly string[] | undefined;
    /** Scopes every MCP request needs (403 `insufficient_scope` without them). Default: the verifier's `requiredScopes`, else none. */
    requiredScopes?: readonly string[] | undefined;
    /** Human-readable name in the metadata (`resource_name`). */
    resourceName?: string | undefined;
    /** Documentation URL in the metadata (`resource_documentation`). */
    resourceDocumentation?: string | URL | undefined;
    /**
     * Also serve the authorization server's RFC 8414 metadata at this server's
     * `/.well-known/oauth-authorization-server`, for clients of the 2025-03-26 MCP revision that
     * look for it on the MCP server's origin. `true` for the defaults. Default `false`.
     */
    forwardAuthorizationServerMetadata?: boolean | ForwardMetadataOptions | undefined;
    /** Outbound HTTP for the forwarded metadata. Defaults: timeout 5 000 ms, at most 256 KiB, no retry. */
    http?: HttpClientOptions | undefined;
    /**
     * Who checks that a token is meant for this server. `'resource'` (default, RFC 8707): the token
     * must name this resource URL (`resource` or `aud`), as the MCP authorization spec requires.
     * `'verifier'`: the IdP puts its own audience in tokens (Supabase `authenticated`, a Descope
     * project id, a Scalekit resource id) and the `verifier` checks it; the guard then does not ask
     * for the resource URL (its `dangerouslyAcceptAnyAudience`). Use it only with a verifier that
     * enforces issuer and audience (a `JWTVerifier` with `audience`).
     */
    audienceCheck?: 'resource' | 'verifier' | undefined;
    /**
     * Accept DPoP-bound tokens (RFC 9449) from the authorization server: `Authorization: DPoP` with a
     * proof of the key the token names (`cnf.jkt`, from the JWT or the introspection response), the
     * proof's `jti` remembered in `dpop.store` (a `RedisStore` across instances); `required: true`
     * refuses Bearer. The RFC 9728 metadata then lists `dpop_signing_alg_values_supported` (and
     * `dpop_bound_access_tokens_required`). Without it, a bound token sent as Bearer is still refused.
     */
    dpop?: ResourceDPoPOptions | undefined;
    /** Called with each token refusal, verifier failure and metadata fetch failure (never with a token). */
    onError?: AuthErrorHook | undefined;
    /** Clock in seconds since the epoch, for the metadata cache (tests inject one). Default `Date.now() / 1000`. */
    now?: Clock | undefined;
  };

/** A public URL of this set-up: https (http only on loopback), no query or fragment. */
function publicUrl(value: string | URL, name: string): URL {
  const url = secureUrl(value, `RemoteAuthProvider: ${name}`);
  if (url.search) throw new TypeError(`RemoteAuthProvider: ${name} must not have a query or fragment`);
  return url;
}

function resourceOf(options: RemoteResourceLocation): URL {
  if ((options.resourceUrl === undefined) === (options.baseUrl === undefined)) {
    throw new TypeError('RemoteAuthProvider: pass exactly one of resourceUrl or baseUrl');
  }
  if (options.resourceUrl !== undefined) return publicUrl(options.resourceUrl, 'resourceUrl');
  const base = publicUrl(options.baseUrl, 'baseUrl');
  const path = options.mcpPath ?? '/mcp';
  if (!/^\/[A-Za-z0-9\-._~/%]*$/.test(path)) throw new TypeError('RemoteAuthProvider: mcpPath must be a path starting with "/"');
  return new URL(base.href.replace(/\/$/, '') + path);
}

/**
 * The resource server for an identity provider that is itself an MCP-ready authorization server
 * (it registers clients dynamically or by CIMD, and issues tokens for this resource): WorkOS
 * AuthKit, Supabase, Scalekit, Descope, Keycloak, or any OAuth 2.1 server. Nothing is proxied:
 * MCP clients learn from the RFC 9728 metadata where to sign in, and the tokens they bring are
 * checked by the `verifier`, then by the guard for expiry, audience (RFC 8707: the token must
 * name this resource) and `requiredScopes`.
 *
 * Routes: the protected resource metadata (`/.well-known/oauth-protected-resource{path}`), and,
 * with `forwardAuthorizationServerMetadata`, the authorization server's own metadata at
 * `/.well-known/oauth-authorization-server`, fetched with a timeout and size limit, checked to name
 * the issuer, cached, fetched once however many clients ask; an upstream failure answers 502.
 *
 * @example
 * ```ts
 * import { RemoteAuthProvider, routeRequest } from '@mcpauth/core';
 * import { toAuthInfo } from '@mcpauth/core/mcp';
 * import { JWTVerifier } from '@mcpauth/jwt';
 *
 * const auth = new RemoteAuthProvider({
 *   baseUrl: 'https://mcp.example.com',
 *   authorizationServers: ['https://auth.example.com'],
 *   verifier: new JWTVerifier({ jwksUri: 'https://auth.example.com/jwks', issuer: 'https://auth.example.com', audience: 'https://mcp.example.com/mcp' }),
 *   requiredScopes: ['mcp:tools'],
 *   forwardAuthorizationServerMetadata: true,
 * });
 *
 * async function fetchHandler(request: Request): Promise<Response> {
 *   const routed = await routeRequest(auth.routes, request);
 *   if (routed) return routed;
 *   const token = await auth.guard(request);
 *   if (token instanceof Response) return token;
 *   return mcp.fetch(request, { authInfo: toAuthInfo(token) });
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @see https://modelcontextprotocol.io/specification/draft/basic/authorization
 */
export class RemoteAuthProvider implements AuthProvider {
  readonly verifier: TokenVerifier;
  readonly routes: readonly Route[];
  readonly resourceUrl: string;
  readonly resourceMetadataUrl: string;
  readonly requiredScopes: readonly string[];
  readonly guard: BearerGuard;
  readonly handler: FetchHandler;
  /** The RFC 9728 document served at {@link RemoteAuthProvider.resourceMetadataUrl}. */
  readonly metadata: ProtectedResourceMetadata;
  /** The issuer URLs of `authorizationServers`, as listed in the metadata. */
  readonly authorizationServers: readonly string[];

  constructor(options: RemoteAuthProviderOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('RemoteAuthProvider: options are required');
    if (!Array.isArray(options.authorizationServers) || options.authorizationServers.length === 0) {
      throw new TypeError('RemoteAuthProvider: authorizationServers must name at least one issuer');
    }
    const servers = options.authorizationServers.map((s, i) => publicUrl(s, `authorizationServers[${i}]`));
    const resource = resourceOf(options);
    const verifier = typeof options.verifier === 'function' ? options.verifier({ resourceUrl: resource.href }) : options.verifier;
    if (!verifier || typeof verifier.verifyToken !== 'function') {
      throw new TypeError('RemoteAuthProvider: verifier must implement verifyToken');
    }
    const required = [...(options.requiredScopes ?? verifier.requiredScopes ?? [])];
    if (options.audienceCheck !== undefined && options.audienceCheck !== 'resource' && options.audienceCheck !== 'verifier') {
      throw new TypeError("RemoteAuthProvider: audienceCheck must be 'resource' or 'verifier'");
    }

    const prm = createProtectedResourceMetadata({
      resource,
      authorizationServers: servers,
      scopesSupported: options.scopesSupported ?? required,
      resourceName: options.resourceName,
      resourceDocumentation: options.resourceDocumentation,
      dpopSigningAlgValuesSupported: options.dpop ? (options.dpop.algorithms ?? ASYMMETRIC_ALGORITHMS) : undefined,
      dpopBoundAccessTokensRequired: options.dpop?.required,
    });
    const routes: Route[] = [prm.route];

    const forward = options.forwardAuthorizationServerMetadata;
    if (forward) {
      const settings = forward === true ? {} : forward;
      const issuer = servers[0]!;
      const metadataUrl =
        settings.metadataUrl === undefined
          ? new URL(`${issuer.href.replace(/\/$/, '')}/.well-known/oauth-authorization-server`)
          : publicUrl(settings.metadataUrl, 'metadataUrl');
      const ttl = settings.cacheTtlSeconds ?? 3600;
      if (!Number.isFinite(ttl) || ttl <= 0) throw new TypeError('RemoteAuthProvider: cacheTtlSeconds must be a positive number');
      const handler = forwardedMetadataHandler({
        issuer: issuer.href,
        metadataUrl: metadataUrl.href,
        cacheTtlSeconds: ttl,
        http: { timeoutMs: 5_000, maxResponseBytes: 256 * 1024, ...options.http },
        now: options.now ?? epochSeconds,
        report: createReporter({ source: 'RemoteAuthProvider', hook: options.onError, logger: options.logger }),
      });
      routes.push({ path: '/.well-known/oauth-authorization-server', handler });
    }

    this.verifier = verifier;
    this.resourceUrl = prm.document.resource;
    this.resourceMetadataUrl = prm.url;
    this.requiredScopes = required;
    this.metadata = prm.document;
    this.authorizationServers = [...prm.document.authorization_servers];
    this.routes = routes;
    const common = {
      verifier,
      resourceMetadataUrl: prm.url,
      requiredScopes: required,
      dpop: options.dpop,
      onError: options.onError,
      logger: options.logger,
    };
    this.guard = createBearerGuard(
      options.audienceCheck === 'verifier'
        ? { ...common, dangerouslyAcceptAnyAudience: true } // the verifier checks the IdP's own audience
        : { ...common, expectedResource: this.resourceUrl },
    );
    this.handler = createRouter(routes);
  }

  /**
   * Resolves at once: nothing here is set up asynchronously (the verifier fetches its keys and the
   * forwarded metadata is fetched when asked for). Part of every `AuthProvider`.
   *
   * @example
   * ```ts
   * await auth.ready();
   * ```
   */
  async ready(): Promise<void> {}
}
