import { collection, type Collection, type KeyValueStore } from '../storage/store.js';
import { grantCollections, type GrantCollections, type GrantRecord } from '../grants/records.js';
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
  /** The client's `dpop_jkt` (RFC 9449 §10): its code is then redeemed only with a proof by that key. */
  dpopJkt?: string | undefined;
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

/** What the proxy keeps with each grant (token family): the upstream session behind it. */
export interface ProxyGrant {
  /** The upstream token set. */
  setId: string;
  upstreamClaims?: Record<string, unknown> | undefined;
}

/** A token family of the proxy: every access and refresh token descended from one authorization. */
export type FamilyRecord = GrantRecord<ProxyGrant>;

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

/** The proxy's collections on its (encrypting) store. */
export interface ProxyRecords {
  clients: Collection<OAuthClientInformationFull>;
  transactions: Collection<TransactionRecord>;
  pending: Collection<PendingRecord>;
  codes: Collection<CodeRecord>;
  /** Token families, their access and refresh tokens, rotated tokens and used codes (`proxy-families`, …). */
  grants: GrantCollections<ProxyGrant>;
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
    grants: grantCollections(store, 'proxy-'),
    stepUps: collection(store, 'proxy-step-ups'),
    upstream: collection(store, 'proxy-upstream'),
    tickets: collection(store, 'proxy-tickets'),
  };
}
