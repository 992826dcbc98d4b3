import type { RefreshToken } from '../protocols/provider.js';
import { collection, type Collection, type KeyValueStore } from '../storage/store.js';

/**
 * A grant (token family): every access and refresh token descended from one authorization.
 * `X` is what its owner keeps with it (the proxy: the upstream session; the store provider: nothing).
 */
export type GrantRecord<X extends object = object> = X & {
  clientId: string;
  scopes: string[];
  resource?: string | undefined;
  subject?: string | undefined;
  /** The id of the grant's one live refresh token (`''` when it has none). */
  refreshId: string;
  /** When the grant's refresh tokens stop working (seconds since the epoch). */
  refreshExpiresAt: number;
  /** The DPoP key the grant's tokens are bound to (RFC 9449), when it was started or refreshed with a proof. */
  dpopJkt?: string | undefined;
};

/** Points a token id at its grant. */
export interface FamilyPointer {
  familyId: string;
}

/** An access token: its grant, the scopes it carries (a refresh may narrow them) and its expiry (seconds). */
export interface AccessRecord extends FamilyPointer {
  scopes: string[];
  expiresAt: number;
}

/** The collections of the grant machinery on one store. */
export interface GrantCollections<X extends object = object> {
  families: Collection<GrantRecord<X>>;
  accessTokens: Collection<AccessRecord>;
  refreshTokens: Collection<FamilyPointer>;
  /** Refresh tokens already rotated: presenting one again revokes the grant. */
  rotated: Collection<FamilyPointer>;
  /** Grants revoked recently: a grant revoked while its tokens were being issued stays revoked. */
  revoked: Collection<true>;
  /** Authorization codes already exchanged: a replay revokes the grant they started. */
  usedCodes: Collection<true>;
}

/** The grant collections on `store`, named `<prefix>families`, `<prefix>access`, … (`as.` for the store provider, `proxy-` for the proxy). */
export function grantCollections<X extends object>(store: KeyValueStore, prefix: string): GrantCollections<X> {
  return {
    families: collection(store, `${prefix}families`),
    accessTokens: collection(store, `${prefix}access`),
    refreshTokens: collection(store, `${prefix}refresh`),
    rotated: collection(store, `${prefix}rotated`),
    revoked: collection(store, `${prefix}revoked`),
    usedCodes: collection(store, `${prefix}used-codes`),
  };
}

/** Refresh token `token` of `family`, as the authorization server's token endpoint checks it. */
export function refreshTokenOf(token: string, family: GrantRecord): RefreshToken {
  return {
    token,
    clientId: family.clientId,
    scopes: family.scopes,
    expiresAt: family.refreshExpiresAt,
    resource: family.resource,
    subject: family.subject,
    dpopJkt: family.dpopJkt,
  };
}
