import { StorageFullError, TokenError } from '../errors/errors.js';
import type { JWTIssuer } from '../jwt-issuer/issuer.js';
import { randomToken } from '../lib/crypto.js';
import type { OAuthToken } from '../protocols/provider.js';
import type { FamilyRecord, ProxyRecords } from './records.js';

/** Options of {@link TokenFamilies}. */
export interface TokenFamiliesOptions {
  records: ProxyRecords;
  issuer: JWTIssuer;
  accessTokenTtl: number;
  now: () => number;
  /** Called once for each revoked family (the proxy ends the upstream session). */
  onRevoke?: ((family: FamilyRecord) => Promise<void>) | undefined;
}

/**
 * Our access and refresh tokens, grouped in families (one per authorization). Every refresh
 * rotates the refresh token; presenting an already rotated one revokes the whole family, its
 * live access tokens included (their ids point at the family, which is gone).
 */
export class TokenFamilies {
  readonly #o: TokenFamiliesOptions;

  constructor(options: TokenFamiliesOptions) {
    this.#o = options;
  }

  /**
   * Start family `familyId` (a fresh random id) and issue its first tokens; a refresh token only
   * when `refresh` (the client is registered for the `refresh_token` grant).
   */
  async start(familyId: string, family: Omit<FamilyRecord, 'refreshJti'>, refresh: boolean): Promise<OAuthToken> {
    return this.#issue(familyId, { ...family, refreshJti: '' }, family.scopes, refresh);
  }

  /**
   * Rotate: consume refresh token `jti` (atomically) and issue new tokens with `scopes` (a subset
   * of the family's). A `jti` already consumed revokes the family; the caller gets `invalid_grant`.
   * `beforeIssue` runs first (the upstream refresh): a `TokenError` from it revokes the family,
   * any other error puts the refresh token back so the client can retry.
   */
  async rotate(
    jti: string,
    clientId: string,
    scopes: readonly string[],
    beforeIssue?: (family: FamilyRecord) => Promise<void>,
    dpopJkt?: string | undefined,
  ): Promise<OAuthToken> {
    const { records, now } = this.#o;
    const pointer = await records.refreshTokens.take(jti);
    if (!pointer) {
      await this.revokeRotated(jti);
      throw new TokenError('invalid_grant', 'The refresh token is invalid, expired, or was already used');
    }
    const family = await records.families.get(pointer.familyId);
    if (!family || family.clientId !== clientId || family.refreshJti !== jti) {
      throw new TokenError('invalid_grant', 'The refresh token is invalid, expired, or was already used');
    }
    const ttl = { ttlSeconds: Math.max(1, family.refreshExpiresAt - now()) };
    // Recorded before the (slow) upstream refresh: the same token presented meanwhile is a reuse
    // and revokes the family. Skipped when its collection is full: the token is already taken, and
    // a refused marker must not cost the user the grant (the store then refuses only new grants).
    await records.rotated.set(jti, { familyId: pointer.familyId }, ttl).catch((err: unknown) => {
      if (!(err instanceof StorageFullError)) throw err;
    });
    try {
      await beforeIssue?.(family);
    } catch (err) {
      // A refusal ends the family; anything else (an upstream outage) leaves the token usable for a retry.
      if (err instanceof TokenError) await this.revoke(pointer.familyId);
      else {
        await records.rotated.delete(jti);
        await records.refreshTokens.set(jti, pointer, ttl);
      }
      throw err;
    }
    // Revoked while the upstream refreshed (a reuse of this token): issue nothing, resurrect nothing.
    const current = await records.families.get(pointer.familyId);
    if (!current || current.refreshJti !== jti) throw new TokenError('invalid_grant', 'The authorization was revoked during the refresh');
    // a refresh with a proof binds the family to its key from now on (the endpoint checked it may)
    return this.#issue(pointer.familyId, dpopJkt ? { ...current, dpopJkt } : current, scopes);
  }

  /** When `jti` is a rotated refresh token, revoke its family (reuse detection); the family revoked, if any. */
  async revokeRotated(jti: string): Promise<FamilyRecord | null> {
    const rotated = await this.#o.records.rotated.get(jti);
    return rotated ? this.revoke(rotated.familyId) : null;
  }

  /** The family of a live family member, or `null`. */
  family(familyId: string): Promise<FamilyRecord | null> {
    return this.#o.records.families.get(familyId);
  }

  /** End a family: its refresh token and every access token stop working; `onRevoke` runs once. */
  async revoke(familyId: string): Promise<FamilyRecord | null> {
    const family = await this.#o.records.families.take(familyId);
    if (!family) return null;
    if (family.refreshJti) await this.#o.records.refreshTokens.delete(family.refreshJti);
    await this.#o.onRevoke?.(family);
    return family;
  }

  async #issue(familyId: string, family: FamilyRecord, scopes: readonly string[], refresh = true): Promise<OAuthToken> {
    const { records, now, accessTokenTtl } = this.#o;
    const { issuer } = this.#o;
    const remaining = family.refreshExpiresAt - now();
    if (remaining <= 0) throw new TokenError('invalid_grant', 'The authorization has expired');
    const accessJti = randomToken(16);
    const refreshJti = randomToken(16);
    const expiresIn = Math.min(accessTokenTtl, remaining);
    const common = { clientId: family.clientId, ...(family.subject === undefined ? {} : { subject: family.subject }) };
    const [accessToken, refreshToken] = await Promise.all([
      // Upstream identity claims stay server side (in the family), never inside the bearer token.
      issuer.issueAccessToken({ ...common, scopes, jti: accessJti, expiresIn, dpopJkt: family.dpopJkt }),
      refresh ? issuer.issueRefreshToken({ ...common, scopes: family.scopes, jti: refreshJti, expiresIn: remaining }) : undefined,
    ]);
    await records.families.set(familyId, { ...family, refreshJti: refresh ? refreshJti : '' }, { ttlSeconds: remaining });
    if (refresh) await records.refreshTokens.set(refreshJti, { familyId }, { ttlSeconds: remaining });
    await records.accessTokens.set(accessJti, { familyId }, { ttlSeconds: expiresIn });
    const token: OAuthToken = { access_token: accessToken, token_type: family.dpopJkt ? 'DPoP' : 'Bearer', expires_in: expiresIn };
    if (refreshToken !== undefined) token.refresh_token = refreshToken;
    if (scopes.length > 0) token.scope = scopes.join(' ');
    return token;
  }
}
