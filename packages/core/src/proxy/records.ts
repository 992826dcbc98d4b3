import { collection, type Collection, type KeyValueStore } from '../storage/store.js';
import type { OAuthClientInformationFull } from '../protocols/provider.js';

/** An authorization request waiting for consent (keyed by transaction id; 15 minutes). */
export interface TransactionRecord {
  clientId: string;
  redirectUri: string;
  redirectUriProvidedExplicitly: boolean;
  /** The client's PKCE challenge, checked at our token endpoint. */
  codeChallenge: string;
  state?: string | undefined;
  scopes: string[];
  /** The client's `resource`, when it sent one (canonical form). */
  resource?: string | undefined;
}

/** An approved request waiting for the upstream callback (keyed by upstream `state`; single use). */
export interface PendingRecord extends TransactionRecord {
  /** The proxy's own PKCE verifier for the upstream. */
  codeVerifier?: string | undefined;
  bindingId: string;
  bindingHash: string;
}

/** A client authorization code (keyed by the code; 5 minutes; single use). */
export interface CodeRecord extends TransactionRecord {
  expiresAt: number;
  setId: string;
  subject?: string | undefined;
  upstreamClaims?: Record<string, unknown> | undefined;
  refreshExpiresAt: number;
}

/** A token family: every access and refresh token descended from one authorization. */
export interface FamilyRecord {
  clientId: string;
  scopes: string[];
  resource?: string | undefined;
  subject?: string | undefined;
  upstreamClaims?: Record<string, unknown> | undefined;
  setId: string;
  /** The one live refresh token's id. */
  refreshJti: string;
  /** Absolute expiry of the family's refresh tokens (seconds). */
  refreshExpiresAt: number;
  /** The DPoP key the family's tokens are bound to (RFC 9449), when it was started or refreshed with a proof. */
  dpopJkt?: string | undefined;
}

/** The upstream tokens of a family (always stored encrypted). */
export interface UpstreamSetRecord {
  accessToken: string;
  refreshToken?: string | undefined;
  idToken?: string | undefined;
  /** Upstream access-token expiry (seconds), when known. */
  expiresAt?: number | undefined;
  scope?: string | undefined;
  /** Incremented on each upstream refresh; names the refresh ticket. */
  generation: number;
  /** Kept until then (seconds): the family's refresh-token expiry. */
  retainUntil: number;
}

/** Scopes a resource asked a family's token for, beyond what the family holds. */
export interface StepUpRecord {
  scopes: string[];
}

/** Points a token id at its family. */
export interface FamilyPointer {
  familyId: string;
}

/** The proxy's collections on its (encrypting) store. */
export interface ProxyRecords {
  clients: Collection<OAuthClientInformationFull>;
  transactions: Collection<TransactionRecord>;
  pending: Collection<PendingRecord>;
  codes: Collection<CodeRecord>;
  families: Collection<FamilyRecord>;
  accessTokens: Collection<FamilyPointer>;
  refreshTokens: Collection<FamilyPointer>;
  /** Refresh tokens already rotated: presenting one again revokes the family. */
  rotated: Collection<FamilyPointer>;
  /** Codes already exchanged: a replay revokes the family they started. */
  usedCodes: Collection<FamilyPointer>;
  /** Families whose token was just challenged for scopes it lacks (keyed by family id; minutes). */
  stepUps: Collection<StepUpRecord>;
  upstream: Collection<UpstreamSetRecord>;
  /** One ticket per upstream generation: whoever takes it refreshes (across instances). */
  tickets: Collection<true>;
}

/** The proxy's collections. */
export function proxyRecords(store: KeyValueStore): ProxyRecords {
  return {
    clients: collection(store, 'proxy-clients'),
    transactions: collection(store, 'proxy-transactions'),
    pending: collection(store, 'proxy-pending'),
    codes: collection(store, 'proxy-codes'),
    families: collection(store, 'proxy-families'),
    accessTokens: collection(store, 'proxy-access'),
    refreshTokens: collection(store, 'proxy-refresh'),
    rotated: collection(store, 'proxy-rotated'),
    usedCodes: collection(store, 'proxy-used-codes'),
    stepUps: collection(store, 'proxy-step-ups'),
    upstream: collection(store, 'proxy-upstream'),
    tickets: collection(store, 'proxy-tickets'),
  };
}
