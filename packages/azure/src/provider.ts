import { AuthorizeError, OAuthProxy, type OAuthProxyOptions, type ProxyForwardOptions } from '@mcpauth/core';
import { azureEndpoints, type AzureEndpoints } from './endpoints.js';
import { AzureOnBehalfOf, type AzureOnBehalfOfOptions, type OnBehalfOfToken } from './on-behalf-of.js';
import { EntraScopes } from './scopes.js';
import { AzureTokenVerifier, resolveIdentifierUri, roleScopeMap, tenantList, type AzureTokenVerifierOptions } from './token-verifier.js';

/**
 * Options of {@link AzureProvider}: your Entra app registration and tenant, plus everything
 * `OAuthProxy` accepts (`baseUrl`, `requiredScopes`, `validScopes`, `store`, `consent`, …)
 * except `upstream`, which is Entra ID.
 *
 * @example
 * ```ts
 * const options: AzureProviderOptions = { clientId, clientSecret, tenantId: 'organizations', baseUrl: 'https://mcp.example.com', requiredScopes: ['mcp.access'] };
 * ```
 */
export type AzureProviderOptions = Omit<OAuthProxyOptions, 'upstream' | 'forward'> & {
  /** The app registration's Application (client) ID. */
  clientId: string;
  /** A client secret of the app registration (Certificates & secrets). */
  clientSecret: string;
  /** The Directory (tenant) ID, one of its domains, or `common` / `organizations` / `consumers`. */
  tenantId: string;
  /** The Application ID URI (Expose an API); custom scopes are requested as `{identifierUri}/{scope}`. Default `api://{clientId}`. */
  identifierUri?: string | undefined;
  /** The sign-in host of the cloud: `login.microsoftonline.com` (default), `login.microsoftonline.us`, … */
  authority?: string | undefined;
  /**
   * Scopes requested at sign-in besides the client's: scopes of your API (short names) and of
   * other APIs as URIs (e.g. `https://graph.microsoft.com/User.Read`, consented at sign-in for
   * {@link AzureProvider.onBehalfOf}; never sent on token requests). Default: `requiredScopes`.
   */
  upstreamScopes?: readonly string[] | undefined;
  /**
   * For `common` / `organizations`: the tenant GUIDs whose users may sign in. Default: any. A user
   * of another tenant is refused at sign-in with `access_denied` to the MCP client (RFC 6749 §4.1.2.1).
   */
  allowedTenants?: readonly string[] | undefined;
  /** App roles granting this server's scopes, e.g. `{ 'Notes.Admin': ['notes:admin'] }` (those scopes are never requested at Entra). */
  appRoleScopes?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Tuning of the {@link AzureTokenVerifier} that checks Entra's tokens. */
  verifier?: Pick<AzureTokenVerifierOptions, 'clockTolerance' | 'maxTokenAge' | 'cache' | 'jwksCacheMaxAge' | 'jwksCooldown'> | undefined;
  /** The on-behalf-of token cache. */
  onBehalfOf?: Pick<AzureOnBehalfOfOptions, 'cache' | 'expiryMarginSeconds'> | undefined;
  /** PKCE (default on). The client's scopes are always sent (with Entra's prefixes); RFC 8707 `resource` never (Entra v2 rejects it). */
  forward?: Omit<ProxyForwardOptions, 'scopes' | 'resource'> | undefined;
};

const CLAIMS = ['sub', 'oid', 'tid', 'name', 'preferred_username', 'email', 'roles', 'groups'] as const;

/** Entra's options as `OAuthProxy` options, with the verifier and on-behalf-of client they need. */
function azureProxyOptions(options: AzureProviderOptions) {
  if (!options || typeof options.clientId !== 'string' || options.clientId.length === 0) {
    throw new TypeError('AzureProvider: clientId is required');
  }
  if (typeof options.clientSecret !== 'string' || options.clientSecret.length === 0) {
    throw new TypeError('AzureProvider: clientSecret is required');
  }
  const { clientId, clientSecret, tenantId, identifierUri, authority, upstreamScopes, allowedTenants, appRoleScopes, ...rest } = options;
  const { verifier: tuning, onBehalfOf, forward, consent, hooks, ...proxy } = rest;
  const endpoints = azureEndpoints({ tenantId, authority });
  const uri = resolveIdentifierUri(identifierUri, clientId, 'AzureProvider');
  const roleScopes = roleScopeMap(appRoleScopes, 'AzureProvider');
  const scopes = new EntraScopes(uri, [...roleScopes.values()].flat());
  const own = [...(upstreamScopes ?? []), ...(proxy.requiredScopes ?? [])];
  if (!scopes.namesOwn(own)) {
    throw new TypeError(
      'AzureProvider: requiredScopes (or upstreamScopes) must name a scope your app exposes (Expose an API), e.g. ["mcp.access"]: Entra issues a token for your API only when one of its scopes is requested',
    );
  }
  // allowedTenants is a sign-in policy (access_denied to the client), checked in upstreamClaims
  // below; the verifier still checks every token's issuer against its own tenant.
  const allowed = tenantList(allowedTenants, endpoints.kind, 'AzureProvider');
  const verifier = new AzureTokenVerifier({
    ...proxy.http,
    ...tuning,
    clientId,
    tenantId,
    authority,
    identifierUri: uri,
    appRoleScopes,
    onInvalidToken: options.onError,
    logger: options.logger,
    now: options.now,
  });
  const always = ['openid', 'profile', 'email', 'offline_access', ...own];
  const obo = new AzureOnBehalfOf({ ...onBehalfOf, clientId, clientSecret, tenantId, authority, http: proxy.http, now: options.now });
  const proxyOptions: OAuthProxyOptions = {
    ...proxy,
    upstream: {
      authorizationEndpoint: endpoints.authorizationEndpoint,
      tokenEndpoint: endpoints.tokenEndpoint,
      clientId,
      clientSecret,
      authMethod: 'client_secret_post',
      scopes: always,
      verifier,
    },
    forward: { ...forward, scopes: true, resource: false },
    consent: { providerName: 'Microsoft', ...consent },
    hooks: {
      // Every `scope` sent to Entra follows its rules (prefixes, offline_access, one resource per token).
      authorizeUrl: (url, context) => void url.searchParams.set('scope', scopes.authorize(context.scopes).join(' ')),
      tokenExchangeScopes: (requested) => scopes.token([...always, ...requested]),
      refreshScopes: (granted) => scopes.token([...always, ...granted]),
      // Entra vouches for scopes in the verified token: `scp`, plus what the user's app roles map to.
      grantScopes: ({ requested, upstream }) => requested.filter((s) => upstream.scopes.includes(s)),
      ...hooks,
      upstreamClaims: (upstream, response) => {
        const tid = upstream.claims['tid'];
        if (allowed && !(typeof tid === 'string' && allowed.has(tid.toLowerCase()))) {
          throw new AuthorizeError('access_denied', 'Accounts of this Microsoft Entra tenant may not sign in to this server');
        }
        return hooks?.upstreamClaims
          ? hooks.upstreamClaims(upstream, response)
          : Object.fromEntries(CLAIMS.flatMap((c) => (upstream.claims[c] === undefined ? [] : [[c, upstream.claims[c]]])));
      },
    },
  };
  return { proxyOptions, endpoints, verifier, obo };
}

/**
 * An OAuth 2.1 authorization server for MCP clients in front of Microsoft Entra ID (an
 * `OAuthProxy`): clients register with your server (DCR or CIMD) and get its tokens; users sign
 * in with your app registration after a consent page; Entra's tokens stay on the server and are
 * verified as JWTs ({@link AzureTokenVerifier}: v2.0 only, the tenant and issuer checked, also
 * for `common` / `organizations`). Your tokens carry the Entra identity
 * (`upstream_claims`: `oid`, `tid`, `name`, `preferred_username`, `email`, `roles`, `groups`).
 *
 * Entra's scope rules are applied to every request: the client's scopes go upstream as
 * `{identifierUri}/{scope}` (OIDC scopes and URIs as they are, `offline_access` always), token and
 * refresh requests name only your API's scopes and the OIDC scopes, and no RFC 8707 `resource` is
 * sent. A scope is granted when Entra's token carries it (`scp`) or a role in `appRoleScopes` maps
 * to it. {@link AzureProvider.onBehalfOf} exchanges the user's Entra token for a downstream API's
 * (Microsoft Graph) with the on-behalf-of flow.
 *
 * @example
 * ```ts
 * import { AzureProvider } from '@mcpauth/azure';
 * const auth = new AzureProvider({
 *   clientId: process.env.AZURE_CLIENT_ID!,
 *   clientSecret: process.env.AZURE_CLIENT_SECRET!,
 *   tenantId: process.env.AZURE_TENANT_ID!,
 *   baseUrl: 'https://mcp.example.com', // redirect URI: https://mcp.example.com/auth/callback
 *   requiredScopes: ['mcp.access'], // exposed by the app: api://{clientId}/mcp.access
 * });
 * ```
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export class AzureProvider extends OAuthProxy {
  /** Entra's endpoints for the configured tenant. */
  readonly endpoints: AzureEndpoints;
  readonly #upstream: AzureTokenVerifier;
  readonly #obo: AzureOnBehalfOf;

  constructor(options: AzureProviderOptions) {
    const built = azureProxyOptions(options);
    super(built.proxyOptions);
    this.endpoints = built.endpoints;
    this.#upstream = built.verifier;
    this.#obo = built.obo;
  }

  /**
   * A token for a downstream API on behalf of the user of one of this server's access tokens
   * (the on-behalf-of flow with the user's Entra token, cached per user and scope set until it
   * expires). `null` when the token is not valid; an `UpstreamError` when Entra refuses (e.g.
   * `interaction_required`, consent missing) or cannot be reached.
   *
   * @example
   * ```ts
   * const graph = await auth.onBehalfOf(authInfo.token, ['https://graph.microsoft.com/User.Read']);
   * ```
   * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-on-behalf-of-flow
   */
  async onBehalfOf(token: string, scopes: readonly string[]): Promise<OnBehalfOfToken | null> {
    const raw = await this.upstreamAccessToken(token);
    const user = raw === null ? null : await this.#upstream.verifyToken(raw);
    return user && this.#obo.getToken(user, scopes);
  }
}
