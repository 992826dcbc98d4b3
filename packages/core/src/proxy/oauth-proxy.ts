import { authorizationServerPaths } from '../authorization-server/index.js';
import { refreshTokenOf } from '../grants/records.js';
import { authorizationServerMetadataUrl } from '../authorization-server/metadata.js';
import { AuthorizeError, RegistrationError, TokenError, TokenInvalidError, UpstreamError } from '../errors/errors.js';
import { errorResponse } from '../errors/response.js';
import { createRouter, type FetchHandler, type Route } from '../http/router.js';
import type { JWTIssuerClaims } from '../jwt-issuer/issuer.js';
import { parseScopes, type AccessToken } from '../protocols/access-token.js';
import type { AuthProvider } from '../protocols/auth-provider.js';
import type {
  AuthorizationCode,
  AuthorizationParams,
  OAuthAuthorizationServerProvider,
  OAuthClientInformationFull,
  OAuthToken,
  RefreshToken,
  TokenIssueOptions,
} from '../protocols/provider.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';
import { createBearerGuard, type BearerGuard } from '../resource-server/bearer-guard.js';
import { createProtectedResourceMetadata } from '../resource-server/metadata.js';
import { randomToken } from '../lib/crypto.js';
import { ASYMMETRIC_ALGORITHMS } from '../lib/jws.js';
import { STEP_UP_TTL, TRANSACTION_TTL, resolveConfig, type ProxyConfig } from './config.js';
import type { ProxyContext } from './context.js';
import { warnIfKeysFromClientSecret } from './keys.js';
import type { OIDCConfiguration } from './oidc-discovery.js';
import type { OAuthProxyOptions } from './options.js';
import { startProxy, type ProxyRuntime } from './runtime.js';
import { resolveResource } from '../authorization-server/context.js';
import { clientGrantTypes } from '../authorization-server/client-metadata.js';

/**
 * An OAuth 2.1 authorization server in front of an identity provider that cannot register MCP
 * clients dynamically (GitHub, Google, Azure, …). MCP clients register with the proxy (DCR or
 * CIMD); the proxy signs users in upstream with its one pre-registered client, after a consent
 * page per client (the confused-deputy rule), and gives clients its own tokens (HS256 JWTs,
 * audience = the MCP resource) that map to the upstream tokens, which never leave the server.
 *
 * - Per request: our JWT is verified, its family must be live, and the upstream token is
 *   validated with `upstream.verifier`, cached until the upstream expiry; an expired upstream
 *   token is refreshed once (single flight, across instances when the store is shared).
 * - Refresh rotates our refresh token; presenting a rotated one again revokes the family.
 * - Revocation revokes the family and sends the **upstream** tokens to the upstream revocation
 *   endpoint.
 * - Everything it stores goes through `EncryptingStore` (AES-GCM, hashed keys).
 *
 * Construction is synchronous and only checks the options (`TypeError`); the asynchronous part
 * of the set-up (deriving the keys, discovering an `upstream.configUrl`) runs once, on first use
 * or when you call {@link OAuthProxy.ready}, which rejects with what went wrong (a failed
 * discovery is an `UpstreamError`, retried on the next use; requests meanwhile answer 502).
 * Provider packages extend this class with a constructor that maps their options.
 *
 * @example
 * ```ts
 * const auth = new OAuthProxy({
 *   upstream: {
 *     authorizationEndpoint: 'https://idp.example.com/authorize',
 *     tokenEndpoint: 'https://idp.example.com/token',
 *     clientId: process.env.IDP_CLIENT_ID!,
 *     clientSecret: process.env.IDP_CLIENT_SECRET!,
 *     verifier: upstreamVerifier,
 *   },
 *   baseUrl: 'https://mcp.example.com',
 *   jwtSigningKey: process.env.JWT_SIGNING_KEY!,
 *   store: new RedisStore({ url: process.env.REDIS_URL! }),
 * });
 * await auth.ready(); // optional: fail at start-up rather than on the first request
 * // serve auth.routes; guard the MCP endpoint with auth.guard
 * ```
 * @see https://modelcontextprotocol.io/specification/draft/basic/security_best_practices#confused-deputy-problem
 * @see https://www.rfc-editor.org/rfc/rfc6749
 */
export class OAuthProxy implements OAuthAuthorizationServerProvider, AuthProvider, TokenVerifier {
  /** The MCP endpoint URL, the audience of our tokens. */
  readonly resourceUrl: string;
  readonly resourceMetadataUrl: string;
  /** This authorization server's issuer identifier. */
  readonly issuerUrl: string;
  readonly requiredScopes: readonly string[];
  readonly routes: readonly Route[];
  readonly guard: BearerGuard;
  readonly handler: FetchHandler;
  /** The authorization servers of this resource: this proxy's issuer. */
  readonly authorizationServers: readonly string[];

  readonly #config: ProxyConfig;
  #starting: Promise<ProxyRuntime> | undefined;

  constructor(options: OAuthProxyOptions) {
    const config = resolveConfig(options);
    this.#config = config;
    warnIfKeysFromClientSecret(options.jwtSigningKey, config.baseUrl, config.report);
    this.resourceUrl = config.resourceUrl;
    this.resourceMetadataUrl = config.resourceMetadataUrl;
    this.issuerUrl = config.issuerUrl;
    this.requiredScopes = config.requiredScopes;
    this.authorizationServers = [config.issuerUrl];
    this.guard = createBearerGuard({
      verifier: this,
      resourceMetadataUrl: config.resourceMetadataUrl,
      requiredScopes: config.requiredScopes,
      expectedResource: config.resourceUrl,
      dpop: config.dpop,
      ...config.listeners,
      now: config.now,
    });
    // The paths are known now; their handlers are built when the proxy starts.
    const as = authorizationServerPaths(config.issuerUrl, config.authorizationServer.clientRegistration !== false);
    const json = this.#startedHandler('json');
    const html = this.#startedHandler('html');
    const prm = createProtectedResourceMetadata({
      resource: config.resourceUrl,
      authorizationServers: [config.issuerUrl],
      scopesSupported: config.validScopes,
      dpopSigningAlgValuesSupported: config.dpop ? (config.dpop.algorithms ?? ASYMMETRIC_ALGORITHMS) : undefined,
      dpopBoundAccessTokensRequired: config.dpop?.required,
    });
    const routes: Route[] = [
      { path: as.metadata, handler: json },
      { path: as.authorize, handler: html },
      { path: as.token, handler: json },
      { path: as.revoke, handler: json },
    ];
    if (as.register) routes.push({ path: as.register, handler: json });
    routes.push(prm.route, { path: config.callbackPath, handler: html }, { path: config.consentPath, handler: html });
    this.routes = routes;
    this.handler = createRouter(routes);
  }

  /**
   * Finish the set-up: derive the keys and, for an `upstream.configUrl`, discover the upstream.
   * Runs once (a failure is not kept: the next call or request tries again); every endpoint and
   * `verifyToken` wait for it. Call it at start-up to fail fast on a bad configuration.
   *
   * @example
   * ```ts
   * const auth = new OAuthProxy(options);
   * await auth.ready(); // throws UpstreamError when discovery fails
   * ```
   */
  async ready(): Promise<void> {
    await this.#start();
  }

  /** The OpenID configuration discovered from `upstream.configUrl` (`undefined` for given endpoints); starts the proxy. */
  protected async upstreamConfiguration(): Promise<OIDCConfiguration | undefined> {
    return (await this.#start()).configuration;
  }

  #start(): Promise<ProxyRuntime> {
    this.#starting ??= startProxy(this, this.#config).catch((err: unknown) => {
      this.#starting = undefined;
      throw err;
    });
    return this.#starting;
  }

  async #ctx(): Promise<ProxyContext> {
    return (await this.#start()).ctx;
  }

  /** A route handler that starts the proxy first; a failed start answers with its error (502 for an upstream failure). */
  #startedHandler(format: 'json' | 'html'): FetchHandler {
    return async (request) => {
      let runtime: ProxyRuntime;
      try {
        runtime = await this.#start();
      } catch (err) {
        this.#config.report(err);
        return errorResponse(err, { format, status: err instanceof UpstreamError ? 502 : undefined });
      }
      return runtime.handler(request);
    };
  }

  /** The RFC 8414 metadata URL of this authorization server. */
  get authorizationServerMetadataUrl(): string {
    return authorizationServerMetadataUrl(this.#config.issuerUrl);
  }

  /** This object verifies the bearer tokens it issued. */
  get verifier(): TokenVerifier {
    return this;
  }

  // --- clients -------------------------------------------------------------------------------

  /** A dynamically registered client, or `null`. */
  async getClient(clientId: string): Promise<OAuthClientInformationFull | null> {
    const { records } = await this.#ctx();
    return records.clients.get(clientId);
  }

  /**
   * Store a dynamically registered client with the redirect URIs `allowedClientRedirectUris`
   * allows (RFC 7591 §2: the server may replace metadata), and return it as stored. Refused with
   * `invalid_redirect_uri` when it asked for redirect URIs and none is allowed. It is kept
   * `lifetimes.registeredClient` seconds unless it completes an authorization.
   */
  async registerClient(client: OAuthClientInformationFull): Promise<OAuthClientInformationFull> {
    const allowed = client.redirect_uris.filter((u) => this.#config.redirectAllowed(u));
    if (allowed.length === 0 && client.redirect_uris.length > 0) {
      throw new RegistrationError(
        'invalid_redirect_uri',
        `None of the redirect URIs is allowed by this server: ${client.redirect_uris.join(', ').slice(0, 300)}`,
      );
    }
    const stored = { ...client, redirect_uris: allowed };
    const { records } = await this.#ctx();
    await records.clients.set(client.client_id, stored, { ttlSeconds: this.#config.registeredClientTtl });
    return stored;
  }

  /** Whether `allowedClientRedirectUris` allows this redirect URI (the authorization server asks before it trusts one). */
  isRedirectUriAllowed(redirectUri: string): boolean {
    return this.#config.redirectAllowed(redirectUri);
  }

  // --- authorization ---------------------------------------------------------------------------

  /** Store the request as a transaction (15 minutes) and send the browser to the consent page. */
  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams): Promise<string> {
    const config = this.#config;
    if (!config.redirectAllowed(params.redirectUri))
      throw new AuthorizeError('invalid_request', 'The redirect URI is not allowed by this server');
    // The resource must be this MCP endpoint (a query string some clients append aside).
    if (resolveResource(params.resource, config.resourceUrl) === null) {
      throw new AuthorizeError('invalid_target', 'The resource is not served by this server');
    }
    const scopes = params.scopes && params.scopes.length > 0 ? [...new Set(params.scopes)] : [...config.defaultScopes];
    const unknown = config.validScopes ? scopes.filter((s) => !config.validScopes!.includes(s)) : [];
    if (unknown.length > 0) throw new AuthorizeError('invalid_scope', `Unsupported scope: ${unknown.join(' ')}`);
    const transaction = randomToken();
    const { records } = await this.#ctx();
    await records.transactions.set(
      transaction,
      {
        clientId: client.client_id,
        redirectUri: params.redirectUri,
        redirectUriProvidedExplicitly: params.redirectUriProvidedExplicitly,
        codeChallenge: params.codeChallenge,
        state: params.state,
        scopes,
        resource: params.resource === undefined ? undefined : config.resourceUrl,
        dpopJkt: params.dpopJkt,
      },
      { ttlSeconds: TRANSACTION_TTL },
    );
    const url = new URL(config.consentUrl);
    url.searchParams.set('transaction', transaction);
    return url.href;
  }

  /**
   * The client's unexpired code (not consumed), or `null`. A code presented again after it was
   * exchanged revokes every token issued from it (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3).
   */
  async loadAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: string): Promise<AuthorizationCode | null> {
    const { codes } = await this.#ctx();
    const code = await codes.load(authorizationCode, client.client_id);
    if (!code) return null;
    return {
      code: authorizationCode,
      scopes: code.scopes,
      expiresAt: code.expiresAt,
      clientId: code.clientId,
      codeChallenge: code.codeChallenge,
      redirectUri: code.redirectUri,
      redirectUriProvidedExplicitly: code.redirectUriProvidedExplicitly,
      resource: code.resource,
      subject: code.subject,
      dpopJkt: code.dpopJkt,
    };
  }

  /** Consume the code (once) and issue our tokens; a replayed code revokes what it issued. */
  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    authorizationCode: AuthorizationCode,
    options?: TokenIssueOptions,
  ): Promise<OAuthToken> {
    const { records, families, codes, config } = await this.#ctx();
    return codes.redeem(authorizationCode.code, client.client_id, async (familyId, code) => {
      const token = await families.start(
        familyId,
        {
          clientId: code.clientId,
          scopes: code.scopes,
          resource: code.resource,
          subject: code.subject,
          upstreamClaims: code.upstreamClaims,
          setId: code.setId,
          refreshExpiresAt: code.refreshExpiresAt,
          dpopJkt: options?.dpopJkt,
        },
        clientGrantTypes(client).includes('refresh_token'),
      );
      // A client in use lives as long as the grants it holds (a family's refresh expiry is fixed at its start).
      const registered = await records.clients.get(client.client_id);
      const keep = Math.max(config.registeredClientTtl, code.refreshExpiresAt - config.now() + 60);
      if (registered) await records.clients.set(client.client_id, registered, { ttlSeconds: keep });
      return token;
    });
  }

  // --- refresh ---------------------------------------------------------------------------------

  async #refreshClaims(ctx: ProxyContext, token: string): Promise<JWTIssuerClaims | null> {
    try {
      return await ctx.issuer.verifyToken(token, { expectedTokenUse: 'refresh' });
    } catch (err) {
      if (err instanceof TokenInvalidError) ctx.config.report(err);
      else throw err;
      return null;
    }
  }

  /** Our refresh token, or `null`; presenting a rotated one revokes its family. */
  async loadRefreshToken(client: OAuthClientInformationFull, refreshToken: string): Promise<RefreshToken | null> {
    const ctx = await this.#ctx();
    const { records, families } = ctx;
    const claims = await this.#refreshClaims(ctx, refreshToken);
    if (!claims || claims.client_id !== client.client_id) return null;
    const found = await families.loadRefresh(claims.jti, client.client_id);
    if (!found) return null;
    const { familyId, family } = found;
    // The resource just asked this grant for scopes it does not have: a refresh cannot add them,
    // so refuse it (the grant stays) and the client authorizes again with the scopes.
    const stepUp = await records.stepUps.take(familyId);
    if (stepUp?.scopes.some((s) => !family.scopes.includes(s))) {
      throw new TokenError('invalid_grant', 'The resource asked for scopes this grant does not have: authorize again');
    }
    return refreshTokenOf(refreshToken, family);
  }

  /**
   * Remember, for a few minutes, that the grant behind access token `token` was challenged for
   * `scopes` it lacks: its next refresh is refused with `invalid_grant` (the grant itself stays),
   * so a client that answers a step-up challenge by refreshing (MCP SDK v1) authorizes again and
   * can be granted the scopes. Called by `requireToolScopes`; best effort (never throws).
   *
   * @example
   * ```ts
   * await auth.noteInsufficientScope(authInfo.token, ['mcp:tools', 'admin']);
   * ```
   */
  async noteInsufficientScope(token: string, scopes: readonly string[]): Promise<void> {
    try {
      const { issuer, records, families } = await this.#ctx();
      const claims = await issuer.verifyToken(token, { expectedTokenUse: 'access' });
      const found = await families.loadAccess(claims.jti);
      if (found && scopes.some((s) => !found.family.scopes.includes(s))) {
        await records.stepUps.set(found.familyId, { scopes: [...scopes] }, { ttlSeconds: STEP_UP_TTL });
      }
    } catch {
      // an invalid token, a full store or a proxy that cannot start: nothing to remember
    }
  }

  /** Rotate our refresh token, refreshing upstream first when the upstream gave a refresh token. */
  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: RefreshToken,
    scopes: string[],
    options?: TokenIssueOptions,
  ): Promise<OAuthToken> {
    const ctx = await this.#ctx();
    const claims = await this.#refreshClaims(ctx, refreshToken.token);
    if (!claims) throw new TokenError('invalid_grant', 'The refresh token is invalid');
    const { families, sessions } = ctx;
    return families.rotate(
      claims.jti,
      client.client_id,
      scopes,
      async (family) => {
        const set = await sessions.get(family.setId);
        if (!set) throw new TokenError('invalid_grant', 'The authorization has ended');
        if (set.refreshToken && !(await sessions.refresh(family.setId, set))) {
          throw new TokenError('invalid_grant', 'The identity provider refused to refresh the session');
        }
      },
      options?.dpopJkt,
    );
  }

  // --- access tokens ---------------------------------------------------------------------------

  /** Verify one of our access tokens (see the class documentation); `null` when invalid. */
  async verifyToken(token: string): Promise<AccessToken | null> {
    const { issuer, families, sessions, config } = await this.#ctx();
    let claims: JWTIssuerClaims;
    try {
      claims = await issuer.verifyToken(token, { expectedTokenUse: 'access' });
    } catch (err) {
      if (err instanceof TokenInvalidError) {
        config.report(err);
        return null;
      }
      throw err;
    }
    const family = (await families.loadAccess(claims.jti))?.family;
    if (!family || family.clientId !== claims.client_id) {
      config.report(new TokenInvalidError('inactive', 'The access token was revoked'));
      return null;
    }
    const upstream = await sessions.validate(family.setId);
    if (!upstream) {
      config.report(new TokenInvalidError('inactive', 'The upstream session is no longer valid'));
      return null;
    }
    return {
      token,
      clientId: claims.client_id,
      scopes: parseScopes(claims.scope),
      expiresAt: claims.exp,
      resource: config.resourceUrl,
      subject: claims.sub,
      claims: family.upstreamClaims ? { ...claims, upstream_claims: family.upstreamClaims } : { ...claims },
    };
  }

  /** Same as {@link OAuthProxy.verifyToken} (the provider interface's name). */
  loadAccessToken(token: string): Promise<AccessToken | null> {
    return this.verifyToken(token);
  }

  /**
   * The current upstream access token behind one of our access tokens, for calling the identity
   * provider's own APIs on the user's behalf (never hand it to the MCP client). `null` when the
   * token is not valid.
   *
   * @example
   * ```ts
   * const githubToken = await auth.upstreamAccessToken(authInfo.token);
   * ```
   */
  async upstreamAccessToken(token: string): Promise<string | null> {
    const verified = await this.verifyToken(token);
    const { families, sessions } = await this.#ctx();
    const family = verified ? (await families.loadAccess(String(verified.claims['jti'])))?.family : undefined;
    return family ? ((await sessions.get(family.setId))?.accessToken ?? null) : null;
  }

  // --- revocation ------------------------------------------------------------------------------

  /** Revoke the token's family and send the upstream tokens to the upstream revocation endpoint. */
  async revokeToken(token: AccessToken | RefreshToken): Promise<void> {
    const { issuer, families } = await this.#ctx();
    for (const use of ['access', 'refresh'] as const) {
      let jti: string;
      try {
        jti = (await issuer.verifyToken(token.token, { expectedTokenUse: use })).jti;
      } catch {
        continue;
      }
      await families.revokeToken(jti, use);
      return;
    }
  }
}
