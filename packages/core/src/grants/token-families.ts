import { StorageFullError, TokenError } from '../errors/errors.js';
import type { OAuthToken } from '../protocols/provider.js';
import type { AccessRecord, GrantCollections, GrantRecord } from './records.js';

/** What a minted token says: the client, the user, the scopes and how long it lives. */
export interface MintClaims {
  clientId: string;
  subject?: string | undefined;
  scopes: readonly string[];
  /** Seconds. */
  expiresIn: number;
  /** The DPoP key the token is bound to (`cnf.jkt`, RFC 9449 §6), for an access token of a bound grant. */
  dpopJkt?: string | undefined;
}

/**
 * Mints one of our tokens and names the id it is stored under: the proxy signs a JWT whose `jti`
 * is the id; the store provider makes an opaque token (or a JWT) and uses its SHA-256 as the id.
 */
export type MintToken = (kind: 'access' | 'refresh', claims: MintClaims) => Promise<{ token: string; id: string }>;

/** Options of {@link TokenFamilies}. */
export interface TokenFamiliesOptions<X extends object> {
  collections: GrantCollections<X>;
  mint: MintToken;
  /** Access token lifetime (seconds); never past the grant's refresh expiry. */
  accessTokenTtl: number;
  /** Seconds since the epoch. */
  now: () => number;
  /**
   * Each rotation renews the grant's refresh lifetime to this many seconds (a sliding lifetime).
   * Default: the grant's `refreshExpiresAt` is fixed when it starts.
   */
  slidingRefreshTtl?: number | undefined;
  /** Called once for each grant revoked while it existed (the proxy ends the upstream session). */
  onRevoke?: ((family: GrantRecord<X>) => Promise<void>) | undefined;
}

/** A live grant found through one of its tokens. */
export interface FoundGrant<X extends object> {
  familyId: string;
  family: GrantRecord<X>;
}

/**
 * How long a revocation is remembered for a grant that is gone (seconds): longer than any issuance
 * in flight (outbound calls time out well before), so a grant revoked while its tokens were being
 * issued (a code replay racing the exchange, a reuse racing a refresh) is not brought back.
 */
const REVOCATION_MEMORY = 600;

/**
 * Our access and refresh tokens, grouped in grants (token families), on any key-value store: one
 * implementation of rotation, reuse detection and revocation for the OAuth proxy and the store
 * provider. Every refresh rotates the refresh token (consumed with an atomic `take`); presenting a
 * rotated one again, or one token twice at once, revokes the whole grant, its live access tokens
 * included (they point at the grant, which is gone).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
export class TokenFamilies<X extends object = object> {
  readonly #o: TokenFamiliesOptions<X>;

  constructor(options: TokenFamiliesOptions<X>) {
    this.#o = options;
  }

  /**
   * Start grant `familyId` (fresh and random, or derived from the authorization code it comes
   * from) and issue its first tokens; a refresh token only when `refresh` (the client is
   * registered for the `refresh_token` grant).
   */
  async start(familyId: string, grant: Omit<GrantRecord<X>, 'refreshId'>, refresh: boolean): Promise<OAuthToken> {
    // Revoked meanwhile (a replay of the code racing this exchange): the tokens are dead on arrival.
    return (await this.#issue(familyId, { ...grant, refreshId: '' } as GrantRecord<X>, grant.scopes, refresh)).token;
  }

  /** The live grant of refresh token `id` for `clientId`, or `null`; a rotated `id` presented again revokes its grant. */
  async loadRefresh(id: string, clientId: string): Promise<FoundGrant<X> | null> {
    const pointer = await this.#o.collections.refreshTokens.get(id);
    if (!pointer) {
      await this.revokeRotated(id);
      return null;
    }
    const family = await this.family(pointer.familyId);
    if (!family || family.clientId !== clientId || family.refreshId !== id) return null;
    return { familyId: pointer.familyId, family };
  }

  /**
   * Rotate: consume refresh token `id` (atomically) and issue new tokens with `scopes` (a subset
   * of the grant's). A rotated `id`, or one presented twice at once, revokes the grant; the caller
   * gets `invalid_grant`. `beforeIssue` runs first (the proxy's upstream refresh): a `TokenError`
   * from it revokes the grant, any other error (an outage, a full store) puts the refresh token
   * back so the client can retry. `dpopJkt`: the refresh came with a DPoP proof of this key (the
   * token endpoint checked it may), and the grant is bound to it from now on.
   */
  async rotate(
    id: string,
    clientId: string,
    scopes: readonly string[],
    beforeIssue?: (family: GrantRecord<X>) => Promise<void>,
    dpopJkt?: string | undefined,
  ): Promise<OAuthToken> {
    const { collections, now } = this.#o;
    const invalid = () => new TokenError('invalid_grant', 'The refresh token is invalid, expired, or was already used');
    const pointer = await collections.refreshTokens.get(id);
    if (!pointer) {
      await this.revokeRotated(id);
      throw invalid();
    }
    const family = await this.family(pointer.familyId);
    if (!family || family.clientId !== clientId || family.refreshId !== id) throw invalid();
    const ttl = { ttlSeconds: Math.max(1, family.refreshExpiresAt - now()) };
    // Recorded before the token is consumed and before the (slow) upstream refresh: the same token
    // presented meanwhile is a reuse and revokes the grant. Skipped when its collection is full: a
    // refused marker must not cost the user the grant (the store then refuses only new grants).
    await collections.rotated.set(id, pointer, ttl).catch((err: unknown) => {
      if (!(err instanceof StorageFullError)) throw err;
    });
    if ((await collections.refreshTokens.take(id)) === null) {
      // Taken by a concurrent presentation of the same token: one of the two is not the client.
      await this.revoke(pointer.familyId);
      throw invalid();
    }
    const putBack = async () => {
      await collections.rotated.delete(id);
      await collections.refreshTokens.set(id, pointer, ttl);
    };
    try {
      await beforeIssue?.(family);
    } catch (err) {
      if (err instanceof TokenError) await this.revoke(pointer.familyId);
      else await putBack();
      throw err;
    }
    // Revoked while the upstream refreshed (a reuse of this token): issue nothing, resurrect nothing.
    const current = await this.family(pointer.familyId);
    if (!current || current.refreshId !== id) throw new TokenError('invalid_grant', 'The authorization was revoked during the refresh');
    const { slidingRefreshTtl } = this.#o;
    const renewed: GrantRecord<X> = {
      ...current,
      ...(slidingRefreshTtl === undefined ? {} : { refreshExpiresAt: now() + slidingRefreshTtl }),
      ...(dpopJkt ? { dpopJkt } : {}),
    };
    let issued: { token: OAuthToken; revoked: boolean };
    try {
      issued = await this.#issue(pointer.familyId, renewed, scopes, true);
    } catch (err) {
      if (err instanceof StorageFullError) await putBack().catch(() => undefined);
      throw err;
    }
    if (issued.revoked) throw new TokenError('invalid_grant', 'The authorization was revoked during the refresh');
    return issued.token;
  }

  /**
   * The live grant of access token `id` and the token's own record, or `null` (unknown or
   * revoked). The token's expiry is its owner's to check: the proxy's JWT carries it, the store
   * provider's opaque token has it in `access.expiresAt`.
   */
  async loadAccess(id: string): Promise<(FoundGrant<X> & { access: AccessRecord }) | null> {
    const access = await this.#o.collections.accessTokens.get(id);
    if (!access) return null;
    const family = await this.family(access.familyId);
    return family ? { familyId: access.familyId, family, access } : null;
  }

  /** The live grant `familyId`, or `null`. */
  async family(familyId: string): Promise<GrantRecord<X> | null> {
    const family = await this.#o.collections.families.get(familyId);
    return family && family.refreshExpiresAt > this.#o.now() ? family : null;
  }

  /** Revoke the grant of token `id` (an access token, a refresh token, or either); nothing for an unknown token. */
  async revokeToken(id: string, kind?: 'access' | 'refresh'): Promise<void> {
    const { accessTokens, refreshTokens } = this.#o.collections;
    const pointer = (kind !== 'refresh' ? await accessTokens.get(id) : null) ?? (kind !== 'access' ? await refreshTokens.get(id) : null);
    if (pointer) await this.revoke(pointer.familyId);
  }

  /** When `id` is a rotated refresh token, revoke its grant (reuse detection). */
  async revokeRotated(id: string): Promise<void> {
    const rotated = await this.#o.collections.rotated.get(id);
    if (rotated) await this.revoke(rotated.familyId);
  }

  /**
   * End grant `familyId`: its refresh token and every access token stop working, and it is
   * remembered as revoked for a while, so tokens being issued for it right now die too (even when
   * the grant does not exist yet: a code replayed while its first exchange is running). `onRevoke`
   * runs once, for a grant that existed.
   */
  async revoke(familyId: string): Promise<void> {
    const { collections } = this.#o;
    await collections.revoked.set(familyId, true, { ttlSeconds: REVOCATION_MEMORY }).catch((err: unknown) => {
      if (!(err instanceof StorageFullError)) throw err;
    });
    const family = await this.#end(familyId);
    if (family) await this.#o.onRevoke?.(family);
  }

  /** Delete grant `familyId` and its refresh token; the grant, when it existed. */
  async #end(familyId: string): Promise<GrantRecord<X> | null> {
    const { families, refreshTokens } = this.#o.collections;
    const family = await families.take(familyId);
    if (family?.refreshId) await refreshTokens.delete(family.refreshId);
    return family;
  }

  /** Issue tokens of grant `familyId` and save the grant; `revoked` when it was revoked meanwhile (the tokens are then dead). */
  async #issue(
    familyId: string,
    family: GrantRecord<X>,
    scopes: readonly string[],
    refresh: boolean,
  ): Promise<{ token: OAuthToken; revoked: boolean }> {
    const { collections, now, accessTokenTtl, mint } = this.#o;
    const remaining = family.refreshExpiresAt - now();
    if (remaining <= 0) throw new TokenError('invalid_grant', 'The authorization has expired');
    const expiresIn = Math.min(accessTokenTtl, remaining);
    const common = { clientId: family.clientId, subject: family.subject };
    const [access, refreshToken] = await Promise.all([
      // Upstream identity claims stay server side (in the grant), never inside the bearer token.
      mint('access', { ...common, scopes, expiresIn, dpopJkt: family.dpopJkt }),
      refresh ? mint('refresh', { ...common, scopes: family.scopes, expiresIn: remaining }) : undefined,
    ]);
    const written: (() => Promise<void>)[] = [];
    try {
      await collections.accessTokens.set(
        access.id,
        { familyId, scopes: [...scopes], expiresAt: now() + expiresIn },
        { ttlSeconds: expiresIn },
      );
      written.push(() => collections.accessTokens.delete(access.id));
      if (refreshToken) {
        await collections.refreshTokens.set(refreshToken.id, { familyId }, { ttlSeconds: remaining });
        written.push(() => collections.refreshTokens.delete(refreshToken.id));
      }
      // The grant lives as long as its refresh token; a grant without one as long as its access token.
      await collections.families.set(
        familyId,
        { ...family, refreshId: refreshToken?.id ?? '' },
        { ttlSeconds: refreshToken ? remaining : expiresIn },
      );
    } catch (err) {
      // Nothing half-issued stays behind (the caller may put the consumed code or refresh token back).
      for (const undo of written) await undo().catch(() => undefined);
      throw err;
    }
    // Revoked while we issued (a replayed code, a reused refresh token): end what was just saved.
    // A new grant gets its `onRevoke` now (the revocation found nothing to end); a rotated one had it.
    const revoked = (await collections.revoked.get(familyId)) !== null;
    if (revoked && family.refreshId === '') await this.revoke(familyId);
    else if (revoked) await this.#end(familyId);
    const token: OAuthToken = { access_token: access.token, token_type: family.dpopJkt ? 'DPoP' : 'Bearer', expires_in: expiresIn };
    if (refreshToken) token.refresh_token = refreshToken.token;
    if (scopes.length > 0) token.scope = scopes.join(' ');
    return { token, revoked };
  }
}
