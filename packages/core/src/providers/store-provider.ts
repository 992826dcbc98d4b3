import type { Clock } from '../lib/clock.js';
import { normalizeIssuer } from '../authorization-server/metadata.js';
import { authorizationResponseUrl } from '../authorization-server/redirect-uri.js';
import { clientGrantTypes } from '../authorization-server/client-metadata.js';
import { AuthorizeError, TokenError } from '../errors/errors.js';
import { AuthorizationCodes } from '../grants/authorization-codes.js';
import { grantCollections, refreshTokenOf } from '../grants/records.js';
import { TokenFamilies, type MintClaims } from '../grants/token-families.js';
import type { JWTIssuer } from '../jwt-issuer/issuer.js';
import { randomToken, sha256 } from '../lib/crypto.js';
import { parseScopes, type AccessToken } from '../protocols/access-token.js';
import type {
  AuthorizationCode,
  AuthorizationParams,
  IdentityAssertionClaims,
  IdentityAssertionParams,
  IdentityAssertionVerifier,
  OAuthAuthorizationServerProvider,
  OAuthClientInformationFull,
  OAuthToken,
  RefreshToken,
  TokenIssueOptions,
} from '../protocols/provider.js';
import { sameResource } from '../resource-server/resource-url.js';
import { MemoryStore } from '../storage/memory-store.js';
import { collection, type Collection, type KeyValueStore } from '../storage/store.js';

/** The outcome of the approval hook: who approved, and optionally the scopes granted. */
export interface Approval {
  /** The end user (`sub` of the tokens). */
  subject?: string | undefined;
  /** Scopes granted; defaults to the requested ones (or the client's, or `defaultScopes`). */
  scopes?: string[] | undefined;
}

/**
 * Decides an authorization request: an {@link Approval}, or `false` to deny (`access_denied`).
 *
 * @example
 * ```ts
 * const approve: ApprovalHook = (client, params) =>
 *   allowedClients.has(client.client_id) ? { subject: 'service-account', scopes: params.scopes } : false;
 * ```
 */
export type ApprovalHook = (
  client: OAuthClientInformationFull,
  params: AuthorizationParams,
) => Approval | false | Promise<Approval | false>;

/**
 * Decides a client-credentials request (a machine client asking for a token for itself): the
 * scopes granted (the client is the subject), or `false` to refuse (`unauthorized_client`).
 *
 * @example
 * ```ts
 * const clientCredentials: ClientCredentialsHook = (client, scopes) =>
 *   robots.has(client.client_id) ? { scopes: scopes ?? ['mcp:tools'] } : false;
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export type ClientCredentialsHook = (
  client: OAuthClientInformationFull,
  scopes: readonly string[] | undefined,
) => { scopes: readonly string[] } | false | Promise<{ scopes: readonly string[] } | false>;

/**
 * Turns on SEP-990 Enterprise-Managed Authorization: the jwt-bearer grant with an ID-JAG.
 *
 * @example
 * ```ts
 * const identityAssertions: IdentityAssertionOptions = {
 *   verifier: new IdJagVerifier({ trustedIssuers: [{ issuer: 'https://idp.acme.com', jwksUri: 'https://idp.acme.com/jwks' }], audience: issuerUrl }),
 *   grantScopes: (claims, requested) => (claims.sub.endsWith('@acme.com') ? requested : []),
 * };
 * ```
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/
 */
export interface IdentityAssertionOptions {
  /** Verifies the ID-JAG itself (signature, trusted issuer, `typ`, audience, required claims). */
  verifier: IdentityAssertionVerifier;
  /**
   * The scopes granted: from the assertion's `scope` (and the request's `scope`, which can only
   * narrow it), decided by policy. Default: the assertion's scopes, narrowed by the request's.
   */
  grantScopes?:
    | ((claims: IdentityAssertionClaims, requested: readonly string[]) => readonly string[] | Promise<readonly string[]>)
    | undefined;
}

/** Options of {@link StoreOAuthProvider}. */
export interface StoreOAuthProviderOptions {
  /** The authorization server's issuer (sent as `iss` on redirects); the same value as given to `createAuthorizationServer`. */
  issuerUrl: string | URL;
  /** Where clients, codes and tokens live. Default: a new `MemoryStore`. A `FileStore` keeps them across restarts. */
  store?: KeyValueStore | undefined;
  /** Access token lifetime in seconds. Default 3 600. */
  accessTokenTtl?: number | undefined;
  /** Refresh token lifetime in seconds. Default 30 days. */
  refreshTokenTtl?: number | undefined;
  /** Authorization code lifetime in seconds. Default 300. */
  codeTtl?: number | undefined;
  /**
   * How long a dynamically registered client is kept, in seconds, if it never gets a token.
   * Every token issued to it extends its lifetime to the refresh-token lifetime, so a client
   * with live grants never expires; one that registered and never completed an authorization
   * is dropped after this. Default 1 day.
   */
  registeredClientTtl?: number | undefined;
  /** Approves authorization requests. Default: approve everything as subject `"dev-user"` (development and tests only). */
  approve?: ApprovalHook | undefined;
  /**
   * Turns on the `client_credentials` grant for confidential clients registered for it, and
   * decides each request (which scopes, or `false`). Off by default: with open registration,
   * anyone could otherwise register a client and mint tokens for it.
   */
  clientCredentials?: ClientCredentialsHook | undefined;
  /**
   * Turns on the jwt-bearer grant with Identity Assertion JWT Authorization Grants (SEP-990) for
   * confidential clients. Off by default.
   */
  identityAssertions?: IdentityAssertionOptions | undefined;
  /** Scopes granted when neither the request nor the client's registration names any. Default none. */
  defaultScopes?: readonly string[] | undefined;
  /** Issue `JWTIssuer` access tokens instead of opaque ones (still revocable: their state is stored). */
  jwtIssuer?: JWTIssuer | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

type StoredCode = Omit<AuthorizationCode, 'code'>;

const positive = (value: number | undefined, fallback: number, name: string): number => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0) throw new TypeError(`StoreOAuthProvider: ${name} must be a positive integer`);
  return v;
};

/**
 * The grants `StoreOAuthProvider` offers only when configured (declared here so that they are
 * absent, not undefined fields, otherwise: the authorization server advertises a grant only when
 * its method exists, and a subclass may define them as methods).
 */
export interface StoreOAuthProvider {
  /**
   * The jwt-bearer grant with an ID-JAG (SEP-990), present only with the `identityAssertions`
   * option. Beyond the verifier's checks: the assertion's `client_id` must be the authenticated
   * client, its `resource` the resource this token is for, its `jti` unused (remembered until it
   * expires); scopes come from the assertion and policy, never from the request alone; the token
   * carries the enterprise subject; no refresh token.
   */
  exchangeIdentityAssertion?(
    client: OAuthClientInformationFull,
    params: IdentityAssertionParams,
    options?: TokenIssueOptions,
  ): Promise<OAuthToken>;
  /**
   * The client-credentials grant, present only with the `clientCredentials` option: an access
   * token for the client itself (subject = client id), no refresh token.
   */
  exchangeClientCredentials?(
    client: OAuthClientInformationFull,
    params: { scopes: string[] | undefined; resource: string | undefined },
    options?: TokenIssueOptions,
  ): Promise<OAuthToken>;
}

/**
 * A complete authorization-server back end on any {@link KeyValueStore}: a `MemoryStore` by
 * default, a `FileStore` to survive restarts, `@mcpauth/redis`'s `RedisStore` for many instances.
 * It issues opaque tokens of 256 bits (or `JWTIssuer` JWTs), stores codes and tokens only by
 * their SHA-256, consumes codes and refresh tokens with an atomic `take`, rotates refresh tokens,
 * and revokes a whole grant at once: revoking one token, replaying a code or reusing a rotated
 * refresh token ends every token issued from that authorization (the same grant machinery as
 * `OAuthProxy`).
 *
 * Authorization requests go through the `approve` hook, which approves everything by default:
 * for development and tests. Put a login and consent step there for anything else.
 *
 * @example
 * ```ts
 * const provider = new StoreOAuthProvider({ issuerUrl: 'http://127.0.0.1:3000', store: new MemoryStore() });
 * const resourceUrl = 'http://127.0.0.1:3000/mcp';
 * const as = createAuthorizationServer({ provider, issuerUrl: 'http://127.0.0.1:3000', resourceUrl, scopesSupported: ['mcp:tools'] });
 * const guard = createBearerGuard({ verifier: new ProviderTokenVerifier(provider), expectedResource: resourceUrl });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.5
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the optional grants the constructor installs
export class StoreOAuthProvider implements OAuthAuthorizationServerProvider<AuthorizationCode, RefreshToken, AccessToken> {
  readonly issuer: string;
  /** The store holding clients, codes and tokens (the authorization server keeps its rate-limit counters there too). */
  readonly store: KeyValueStore;
  readonly #clients: Collection<OAuthClientInformationFull>;
  readonly #codes: AuthorizationCodes<StoredCode>;
  readonly #families: TokenFamilies;
  readonly #refreshTtl: number;
  readonly #codeTtl: number;
  readonly #clientTtl: number;
  readonly #approve: ApprovalHook;
  readonly #defaultScopes: readonly string[];
  readonly #jwt: JWTIssuer | undefined;
  readonly #now: () => number;

  constructor(options: StoreOAuthProviderOptions) {
    if (!options) throw new TypeError('StoreOAuthProvider: options with issuerUrl are required');
    this.issuer = normalizeIssuer(options.issuerUrl);
    const store = options.store ?? new MemoryStore();
    this.store = store;
    this.#clients = collection(store, 'as.clients');
    const accessTokenTtl = positive(options.accessTokenTtl, 3600, 'accessTokenTtl');
    this.#refreshTtl = positive(options.refreshTokenTtl, 30 * 86_400, 'refreshTokenTtl');
    const codeTtl = positive(options.codeTtl, 300, 'codeTtl');
    this.#codeTtl = codeTtl;
    this.#clientTtl = positive(options.registeredClientTtl, 86_400, 'registeredClientTtl');
    this.#approve = options.approve ?? (() => ({ subject: 'dev-user' }));
    this.#defaultScopes = [...(options.defaultScopes ?? [])];
    this.#jwt = options.jwtIssuer;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    const grants = grantCollections(store, 'as.');
    this.#families = new TokenFamilies({
      collections: grants,
      mint: (kind, claims) => this.#mint(kind, claims),
      accessTokenTtl,
      now: this.#now,
      slidingRefreshTtl: this.#refreshTtl,
    });
    this.#codes = new AuthorizationCodes({
      codes: collection(store, 'as.codes'),
      usedCodes: grants.usedCodes,
      families: this.#families,
      codeTtl,
      now: this.#now,
    });
    const assertions = options.identityAssertions;
    if (assertions !== undefined) {
      if (typeof assertions?.verifier?.verify !== 'function')
        throw new TypeError('StoreOAuthProvider: identityAssertions.verifier must have verify(assertion)');
      this.exchangeIdentityAssertion = (client, params, issue) => this.#exchangeIdentityAssertion(assertions, client, params, issue);
    }
    const decide = options.clientCredentials;
    if (decide !== undefined) {
      if (typeof decide !== 'function') throw new TypeError('StoreOAuthProvider: clientCredentials must be a function');
      this.exchangeClientCredentials = async (client, params, issue) => {
        const decision = await decide(client, params.scopes);
        if (decision === false) throw new TokenError('unauthorized_client', 'This client may not use the client_credentials grant');
        return this.#start(client, randomToken(16), {
          scopes: [...decision.scopes],
          resource: params.resource,
          subject: client.client_id,
          refresh: false,
          dpopJkt: issue?.dpopJkt,
        });
      };
    }
  }

  async getClient(clientId: string): Promise<OAuthClientInformationFull | null> {
    return this.#clients.get(clientId);
  }

  async registerClient(client: OAuthClientInformationFull): Promise<void> {
    const { client_secret: _neverStored, ...stored } = client;
    await this.#clients.set(client.client_id, stored, { ttlSeconds: this.#clientTtl });
  }

  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams): Promise<string> {
    const approval = await this.#approve(client, params);
    if (approval === false) throw new AuthorizeError('access_denied', 'The authorization request was denied');
    const scopes = approval.scopes ?? params.scopes ?? (client.scope !== undefined ? parseScopes(client.scope) : [...this.#defaultScopes]);
    const code = randomToken(32);
    await this.#codes.save(await sha256(code), {
      clientId: client.client_id,
      scopes,
      expiresAt: this.#now() + this.#codeTtl,
      codeChallenge: params.codeChallenge,
      redirectUri: params.redirectUri,
      redirectUriProvidedExplicitly: params.redirectUriProvidedExplicitly,
      resource: params.resource,
      subject: approval.subject,
      dpopJkt: params.dpopJkt,
    });
    return authorizationResponseUrl(params.redirectUri, { code, state: params.state, iss: this.issuer });
  }

  async loadAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: string): Promise<AuthorizationCode | null> {
    const stored = await this.#codes.load(await sha256(authorizationCode), client.client_id);
    return stored && { ...stored, code: authorizationCode };
  }

  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    authorizationCode: AuthorizationCode,
    options?: TokenIssueOptions,
  ): Promise<OAuthToken> {
    return this.#codes.redeem(await sha256(authorizationCode.code), client.client_id, (familyId, code) =>
      this.#start(client, familyId, {
        scopes: code.scopes,
        resource: code.resource,
        subject: code.subject,
        refresh: true,
        dpopJkt: options?.dpopJkt,
      }),
    );
  }

  async loadRefreshToken(client: OAuthClientInformationFull, refreshToken: string): Promise<RefreshToken | null> {
    const found = await this.#families.loadRefresh(await sha256(refreshToken), client.client_id);
    return found && refreshTokenOf(refreshToken, found.family);
  }

  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: RefreshToken,
    scopes: string[],
    options?: TokenIssueOptions,
  ): Promise<OAuthToken> {
    const token = await this.#families.rotate(await sha256(refreshToken.token), client.client_id, scopes, undefined, options?.dpopJkt);
    await this.#keepClient(client);
    return token;
  }

  async loadAccessToken(token: string): Promise<AccessToken | null> {
    if (this.#jwt) {
      try {
        await this.#jwt.verifyToken(token, { expectedTokenUse: 'access' });
      } catch {
        return null;
      }
    }
    const found = await this.#families.loadAccess(await sha256(token));
    if (!found || found.access.expiresAt <= this.#now()) return null;
    const { family, access } = found;
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      client_id: family.clientId,
      scope: access.scopes.join(' '),
      exp: access.expiresAt,
    };
    if (family.subject !== undefined) claims['sub'] = family.subject;
    if (family.resource !== undefined) claims['aud'] = family.resource;
    // a DPoP-bound grant's access tokens carry its key (RFC 9449 §6): the guard then wants a proof of it
    if (family.dpopJkt !== undefined) claims['cnf'] = { jkt: family.dpopJkt };
    return {
      token,
      clientId: family.clientId,
      scopes: access.scopes,
      expiresAt: access.expiresAt,
      resource: family.resource,
      subject: family.subject,
      ...(family.dpopJkt !== undefined ? { cnf: { jkt: family.dpopJkt } } : {}),
      claims,
    };
  }

  async revokeToken(token: AccessToken | RefreshToken): Promise<void> {
    await this.#families.revokeToken(await sha256(token.token));
  }

  async #exchangeIdentityAssertion(
    options: IdentityAssertionOptions,
    client: OAuthClientInformationFull,
    params: IdentityAssertionParams,
    issue?: TokenIssueOptions,
  ): Promise<OAuthToken> {
    const refused = (why: string) => new TokenError('invalid_grant', `The identity assertion was refused: ${why}`);
    const claims = await options.verifier.verify(params.assertion);
    if (!claims) throw refused('not a valid ID-JAG from a trusted identity provider for this server');
    if (claims.client_id !== client.client_id) throw refused('it was issued to another client');
    // the ID-JAG names the resource; the request's `resource` (bound by the server to its own) must match it
    if (claims.resource === undefined || params.resource === undefined || !sameResource(claims.resource, params.resource)) {
      throw new TokenError('invalid_target', 'The identity assertion is not for this resource');
    }
    const ttl = Math.max(1, claims.exp - this.#now() + 60);
    if ((await this.store.increment(`as.id-jag-jti:${await sha256(`${claims.iss}\n${claims.jti}`)}`, { ttlSeconds: ttl })) > 1) {
      throw refused('it was already used');
    }
    const asserted = parseScopes(claims.scope);
    const requested = params.scopes === undefined ? asserted : asserted.filter((s) => params.scopes!.includes(s));
    const scopes = options.grantScopes ? (await options.grantScopes(claims, requested)).filter((s) => requested.includes(s)) : requested;
    return this.#start(client, randomToken(16), {
      scopes: [...scopes],
      resource: params.resource,
      subject: claims.sub,
      refresh: false,
      dpopJkt: issue?.dpopJkt,
    });
  }

  /** Start a grant and issue its first tokens (a refresh token only when `refresh` and the client is registered for it). */
  async #start(
    client: OAuthClientInformationFull,
    familyId: string,
    grant: { scopes: string[]; resource: string | undefined; subject: string | undefined; refresh: boolean; dpopJkt?: string | undefined },
  ): Promise<OAuthToken> {
    const token = await this.#families.start(
      familyId,
      {
        clientId: client.client_id,
        scopes: grant.scopes,
        resource: grant.resource,
        subject: grant.subject,
        refreshExpiresAt: this.#now() + this.#refreshTtl,
        dpopJkt: grant.dpopJkt,
      },
      grant.refresh && clientGrantTypes(client).includes('refresh_token'),
    );
    await this.#keepClient(client);
    return token;
  }

  /** An opaque token of 256 bits (or a `JWTIssuer` access token), stored under its SHA-256. */
  async #mint(kind: 'access' | 'refresh', claims: MintClaims): Promise<{ token: string; id: string }> {
    const token =
      kind === 'access' && this.#jwt
        ? await this.#jwt.issueAccessToken({
            clientId: claims.clientId,
            scopes: claims.scopes,
            jti: randomToken(16),
            expiresIn: claims.expiresIn,
            ...(claims.subject !== undefined ? { subject: claims.subject } : {}),
            ...(claims.dpopJkt !== undefined ? { dpopJkt: claims.dpopJkt } : {}),
          })
        : randomToken(32);
    return { token, id: await sha256(token) };
  }

  /** A client in use lives as long as the grants it holds. */
  async #keepClient(client: OAuthClientInformationFull): Promise<void> {
    const registered = await this.#clients.get(client.client_id);
    if (registered) await this.#clients.set(client.client_id, registered, { ttlSeconds: Math.max(this.#clientTtl, this.#refreshTtl + 60) });
  }
}
