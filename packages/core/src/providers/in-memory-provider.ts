import type { Clock } from '../lib/clock.js';
import { normalizeIssuer } from '../authorization-server/metadata.js';
import { authorizationResponseUrl } from '../authorization-server/redirect-uri.js';
import { clientGrantTypes } from '../authorization-server/client-metadata.js';
import { AuthorizeError, StorageFullError, TokenError } from '../errors/errors.js';
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

/** Options of {@link InMemoryOAuthProvider}. */
export interface InMemoryOAuthProviderOptions {
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

/** A refresh token of the {@link InMemoryOAuthProvider}, with the grant (family) it belongs to. */
export interface InMemoryRefreshToken extends RefreshToken {
  /** Identifies the grant: every token issued from one authorization code shares it. */
  family: string;
}

interface StoredCode extends Omit<AuthorizationCode, 'code'> {
  family: string;
}

interface StoredToken {
  clientId: string;
  scopes: string[];
  expiresAt: number;
  resource?: string | undefined;
  subject?: string | undefined;
  family: string;
}

const positive = (value: number | undefined, fallback: number, name: string): number => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0) throw new TypeError(`InMemoryOAuthProvider: ${name} must be a positive integer`);
  return v;
};

/**
 * The grants `InMemoryOAuthProvider` offers only when configured (declared here so that they are
 * absent, not undefined fields, otherwise: the authorization server advertises a grant only when
 * its method exists, and a subclass may define them as methods).
 */
export interface InMemoryOAuthProvider {
  /**
   * The jwt-bearer grant with an ID-JAG (SEP-990), present only with the `identityAssertions`
   * option. Beyond the verifier's checks: the assertion's `client_id` must be the authenticated
   * client, its `resource` the resource this token is for, its `jti` unused (remembered until it
   * expires); scopes come from the assertion and policy, never from the request alone; the token
   * carries the enterprise subject; no refresh token.
   */
  exchangeIdentityAssertion?(client: OAuthClientInformationFull, params: IdentityAssertionParams): Promise<OAuthToken>;
  /**
   * The client-credentials grant, present only with the `clientCredentials` option: an access
   * token for the client itself (subject = client id), no refresh token.
   */
  exchangeClientCredentials?(
    client: OAuthClientInformationFull,
    params: { scopes: string[] | undefined; resource: string | undefined },
  ): Promise<OAuthToken>;
}

/**
 * A complete authorization-server back end on a {@link KeyValueStore} (memory by default, so
 * "in memory"; give it a `FileStore` or `@mcpauth/redis` store to persist). It issues opaque tokens
 * of 256 bits (or `JWTIssuer` JWTs), stores codes and tokens only by their SHA-256, consumes
 * codes and refresh tokens with an atomic `take`, rotates refresh tokens, and revokes a whole
 * grant at once: revoking one token, replaying a code or reusing a rotated refresh token ends
 * every token issued from that authorization.
 *
 * Authorization requests go through the `approve` hook, which approves everything by default:
 * for development and tests. Put a login and consent step there for anything else.
 *
 * @example
 * ```ts
 * const provider = new InMemoryOAuthProvider({ issuerUrl: 'http://127.0.0.1:3000' });
 * const resourceUrl = 'http://127.0.0.1:3000/mcp';
 * const as = createAuthorizationServer({ provider, issuerUrl: 'http://127.0.0.1:3000', resourceUrl, scopesSupported: ['mcp:tools'] });
 * const guard = createBearerGuard({ verifier: new ProviderTokenVerifier(provider), expectedResource: resourceUrl });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.5
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the optional grants the constructor installs
export class InMemoryOAuthProvider implements OAuthAuthorizationServerProvider<AuthorizationCode, InMemoryRefreshToken, AccessToken> {
  readonly issuer: string;
  /** The store holding clients, codes and tokens (the authorization server keeps its rate-limit counters there too). */
  readonly store: KeyValueStore;
  readonly #clients: Collection<OAuthClientInformationFull>;
  readonly #codes: Collection<StoredCode>;
  readonly #usedCodes: Collection<string>;
  readonly #access: Collection<StoredToken>;
  readonly #refresh: Collection<StoredToken>;
  readonly #families: Collection<string>;
  readonly #revoked: Collection<number>;
  readonly #accessTtl: number;
  readonly #refreshTtl: number;
  readonly #codeTtl: number;
  readonly #clientTtl: number;
  readonly #approve: ApprovalHook;
  readonly #defaultScopes: readonly string[];
  readonly #jwt: JWTIssuer | undefined;
  readonly #now: () => number;

  constructor(options: InMemoryOAuthProviderOptions) {
    if (!options) throw new TypeError('InMemoryOAuthProvider: options with issuerUrl are required');
    this.issuer = normalizeIssuer(options.issuerUrl);
    const store = options.store ?? new MemoryStore();
    this.store = store;
    this.#clients = collection(store, 'as.clients');
    this.#codes = collection(store, 'as.codes');
    this.#usedCodes = collection(store, 'as.used-codes');
    this.#access = collection(store, 'as.access');
    this.#refresh = collection(store, 'as.refresh');
    this.#families = collection(store, 'as.families');
    this.#revoked = collection(store, 'as.revoked');
    this.#accessTtl = positive(options.accessTokenTtl, 3600, 'accessTokenTtl');
    this.#refreshTtl = positive(options.refreshTokenTtl, 30 * 86_400, 'refreshTokenTtl');
    this.#codeTtl = positive(options.codeTtl, 300, 'codeTtl');
    this.#clientTtl = positive(options.registeredClientTtl, 86_400, 'registeredClientTtl');
    this.#approve = options.approve ?? (() => ({ subject: 'dev-user' }));
    this.#defaultScopes = [...(options.defaultScopes ?? [])];
    this.#jwt = options.jwtIssuer;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    const assertions = options.identityAssertions;
    if (assertions !== undefined) {
      if (typeof assertions?.verifier?.verify !== 'function')
        throw new TypeError('InMemoryOAuthProvider: identityAssertions.verifier must have verify(assertion)');
      this.exchangeIdentityAssertion = (client, params) => this.#exchangeIdentityAssertion(assertions, client, params);
    }
    const decide = options.clientCredentials;
    if (decide !== undefined) {
      if (typeof decide !== 'function') throw new TypeError('InMemoryOAuthProvider: clientCredentials must be a function');
      this.exchangeClientCredentials = async (client, params) => {
        const decision = await decide(client, params.scopes);
        if (decision === false) throw new TokenError('unauthorized_client', 'This client may not use the client_credentials grant');
        const family = randomToken(16);
        return this.#issue(
          client,
          { clientId: client.client_id, scopes: [...decision.scopes], resource: params.resource, subject: client.client_id, family },
          false,
        );
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
    const hash = await sha256(code);
    await this.#codes.set(
      hash,
      {
        clientId: client.client_id,
        scopes,
        expiresAt: this.#now() + this.#codeTtl,
        codeChallenge: params.codeChallenge,
        redirectUri: params.redirectUri,
        redirectUriProvidedExplicitly: params.redirectUriProvidedExplicitly,
        resource: params.resource,
        subject: approval.subject,
        family: hash,
      },
      { ttlSeconds: this.#codeTtl },
    );
    return authorizationResponseUrl(params.redirectUri, { code, state: params.state, iss: this.issuer });
  }

  async loadAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: string): Promise<AuthorizationCode | null> {
    const hash = await sha256(authorizationCode);
    const stored = await this.#codes.get(hash);
    if (!stored) {
      // A code presented again after it was exchanged: end what was issued from it (RFC 6749 §4.1.2).
      if ((await this.#usedCodes.get(hash)) !== null) await this.#revokeFamily(hash);
      return null;
    }
    if (stored.clientId !== client.client_id) return null;
    const { family: _family, ...code } = stored;
    return { ...code, code: authorizationCode };
  }

  async exchangeAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: AuthorizationCode): Promise<OAuthToken> {
    const hash = await sha256(authorizationCode.code);
    const stored = await this.#codes.take(hash);
    if (!stored) {
      await this.#revokeFamily(hash);
      throw new TokenError('invalid_grant', 'The authorization code was already used');
    }
    if (stored.clientId !== client.client_id || stored.expiresAt <= this.#now()) {
      await this.#usedCodes.set(hash, '1', { ttlSeconds: this.#codeTtl });
      throw new TokenError('invalid_grant', 'The authorization code is invalid');
    }
    return this.#restoringWhenFull(
      async () => {
        await this.#usedCodes.set(hash, '1', { ttlSeconds: this.#codeTtl });
        return this.#issue(client, stored);
      },
      async () => {
        await this.#usedCodes.delete(hash);
        await this.#codes.set(hash, stored, { ttlSeconds: stored.expiresAt - this.#now() });
      },
    );
  }

  async loadRefreshToken(client: OAuthClientInformationFull, refreshToken: string): Promise<InMemoryRefreshToken | null> {
    const hash = await sha256(refreshToken);
    const stored = await this.#refresh.get(hash);
    if (!stored) {
      // A rotated-out refresh token used again: the grant is compromised (RFC 9700 §4.14.2).
      // Refresh tokens are `<family>.<random>`: the family's current token hash tells reuse apart.
      const family = refreshToken.includes('.') ? refreshToken.slice(0, refreshToken.indexOf('.')) : '';
      const current = family === '' ? null : await this.#families.get(family);
      if (current !== null && current !== hash) await this.#revokeFamily(family);
      return null;
    }
    if (stored.clientId !== client.client_id || stored.expiresAt <= this.#now() || (await this.#isRevoked(stored.family))) return null;
    return { ...stored, token: refreshToken };
  }

  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: InMemoryRefreshToken,
    scopes: string[],
  ): Promise<OAuthToken> {
    const hash = await sha256(refreshToken.token);
    const stored = await this.#refresh.take(hash);
    if (!stored) {
      await this.#revokeFamily(refreshToken.family);
      throw new TokenError('invalid_grant', 'The refresh token was already used');
    }
    if (stored.clientId !== client.client_id || (await this.#isRevoked(stored.family))) {
      throw new TokenError('invalid_grant', 'The refresh token is invalid');
    }
    const narrowed = scopes.filter((s) => stored.scopes.includes(s));
    return this.#restoringWhenFull(
      () => this.#issue(client, { ...stored, scopes: narrowed }),
      () => this.#refresh.set(hash, stored, { ttlSeconds: stored.expiresAt - this.#now() }),
    );
  }

  async loadAccessToken(token: string): Promise<AccessToken | null> {
    if (this.#jwt) {
      try {
        await this.#jwt.verifyToken(token, { expectedTokenUse: 'access' });
      } catch {
        return null;
      }
    }
    const stored = await this.#access.get(await sha256(token));
    if (!stored || stored.expiresAt <= this.#now() || (await this.#isRevoked(stored.family))) return null;
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      client_id: stored.clientId,
      scope: stored.scopes.join(' '),
      exp: stored.expiresAt,
    };
    if (stored.subject !== undefined) claims['sub'] = stored.subject;
    if (stored.resource !== undefined) claims['aud'] = stored.resource;
    return {
      token,
      clientId: stored.clientId,
      scopes: stored.scopes,
      expiresAt: stored.expiresAt,
      resource: stored.resource,
      subject: stored.subject,
      claims,
    };
  }

  async revokeToken(token: AccessToken | InMemoryRefreshToken): Promise<void> {
    const hash = await sha256(token.token);
    const stored = (await this.#access.get(hash)) ?? (await this.#refresh.get(hash));
    if (!stored) return;
    await this.#revokeFamily(stored.family);
    await Promise.all([this.#access.delete(hash), this.#refresh.delete(hash)]);
  }

  async #exchangeIdentityAssertion(
    options: IdentityAssertionOptions,
    client: OAuthClientInformationFull,
    params: IdentityAssertionParams,
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
    return this.#issue(
      client,
      { clientId: client.client_id, scopes: [...scopes], resource: params.resource, subject: claims.sub, family: randomToken(16) },
      false,
    );
  }

  async #issue(client: OAuthClientInformationFull, grant: Omit<StoredToken, 'expiresAt'>, refreshable = true): Promise<OAuthToken> {
    const now = this.#now();
    const base = {
      clientId: client.client_id,
      scopes: grant.scopes,
      resource: grant.resource,
      subject: grant.subject,
      family: grant.family,
    };
    const accessToken = this.#jwt
      ? await this.#jwt.issueAccessToken({
          clientId: client.client_id,
          scopes: grant.scopes,
          jti: randomToken(16),
          expiresIn: this.#accessTtl,
          ...(grant.subject !== undefined ? { subject: grant.subject } : {}),
        })
      : randomToken(32);
    await this.#access.set(await sha256(accessToken), { ...base, expiresAt: now + this.#accessTtl }, { ttlSeconds: this.#accessTtl });
    const response: OAuthToken = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.#accessTtl,
      scope: grant.scopes.join(' '),
    };
    if (refreshable && clientGrantTypes(client).includes('refresh_token')) {
      const refreshToken = `${grant.family}.${randomToken(32)}`;
      const hash = await sha256(refreshToken);
      await this.#refresh.set(hash, { ...base, expiresAt: now + this.#refreshTtl }, { ttlSeconds: this.#refreshTtl });
      // The family's one live refresh token: presenting an earlier one is reuse.
      await this.#families.set(grant.family, hash, { ttlSeconds: this.#refreshTtl + 60 });
      response.refresh_token = refreshToken;
    }
    // A client in use lives as long as the grants it holds.
    const registered = await this.#clients.get(client.client_id);
    if (registered) await this.#clients.set(client.client_id, registered, { ttlSeconds: Math.max(this.#clientTtl, this.#refreshTtl + 60) });
    return response;
  }

  /**
   * Run `issue` after a code or refresh token was consumed; when the store refuses a write
   * because a collection is full, put the consumed grant back (`restore`) so the client can
   * retry after the `503`, and rethrow.
   */
  async #restoringWhenFull(issue: () => Promise<OAuthToken>, restore: () => Promise<void>): Promise<OAuthToken> {
    try {
      return await issue();
    } catch (err) {
      if (err instanceof StorageFullError) await restore().catch(() => undefined);
      throw err;
    }
  }

  async #isRevoked(family: string): Promise<boolean> {
    return (await this.#revoked.get(family)) !== null;
  }

  /** Mark a grant revoked for as long as any of its tokens could live (a refresh lifetime, plus a margin for in-flight issuance). */
  async #revokeFamily(family: string): Promise<void> {
    await this.#revoked.set(family, 1, { ttlSeconds: this.#refreshTtl + 60 });
  }
}
