/**
 * DPoP at the token endpoint (RFC 9449 §5): the proof of a token request, the rule that a
 * grant issued with DPoP keeps it on refresh, and the binding of a code to the `dpop_jkt` of its
 * authorization request (§10).
 *
 * @module
 */
import { TokenError } from '../errors/errors.js';
import type { KeyValueStore } from '../storage/store.js';
import type { RefreshToken, TokenIssueOptions } from '../protocols/provider.js';
import type { DPoPProof, DPoPProofOptions, DPoPProofVerifier } from './proof.js';

/**
 * DPoP at an authorization server's token endpoint (`createAuthorizationServer`'s `dpop`): the
 * proof checks. Tokens are bound when the request carries a proof and the provider binds them.
 *
 * @example
 * ```ts
 * const dpop: AuthorizationServerDPoPOptions = { algorithms: ['ES256', 'EdDSA'], nonce: { secret: process.env.DPOP_NONCE_SECRET! } };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export interface AuthorizationServerDPoPOptions extends Omit<DPoPProofOptions, 'store' | 'now'> {
  /** Where used proofs are remembered. Default: the authorization server's store. */
  store?: KeyValueStore | undefined;
}

/**
 * The checked and consumed proof of a token request, `undefined` when it carries none (or the
 * server does not do DPoP: the request is then an ordinary one and gets Bearer tokens). Throws
 * `DPoPError` for a bad proof, `use_dpop_nonce` with the nonce to use.
 */
export async function tokenRequestProof(
  dpop: DPoPProofVerifier | undefined,
  request: Request,
  tokenEndpoint: string,
): Promise<DPoPProof | undefined> {
  const header = request.headers.get('dpop');
  if (!dpop || header === null) return undefined;
  const proof = await dpop.verify({ proof: header, method: request.method, url: tokenEndpoint });
  await dpop.consume(proof);
  return proof;
}

/**
 * A grant issued with DPoP keeps it (RFC 9449 §5): its refresh needs a proof, and a public
 * client's refresh token is bound to the key itself (a confidential client authenticates, and
 * may change its key).
 */
export function checkRefreshBinding(stored: RefreshToken, proof: DPoPProof | undefined, publicClient: boolean): void {
  if (stored.dpopJkt === undefined) return;
  if (proof === undefined) throw new TokenError('invalid_grant', 'This grant is bound to a DPoP key: refresh it with a DPoP proof');
  if (publicClient && proof.jkt !== stored.dpopJkt) {
    throw new TokenError('invalid_grant', 'The DPoP proof is signed by another key than the one this refresh token is bound to');
  }
}

/**
 * A code bound to a DPoP key by the authorization request's `dpop_jkt` (RFC 9449 §10) is
 * redeemed only with a proof by that key: without a proof, or with another key's, `invalid_grant`.
 * Like the other checks before the exchange (PKCE, `redirect_uri`), a refusal does not consume the
 * code: only its key's holder can redeem it, so a stolen copy cannot end the client's flow.
 */
export function checkCodeBinding(stored: { dpopJkt?: string | undefined }, proof: DPoPProof | undefined): void {
  if (stored.dpopJkt === undefined) return;
  if (proof === undefined)
    throw new TokenError('invalid_grant', 'This authorization code is bound to a DPoP key: redeem it with a DPoP proof');
  if (proof.jkt !== stored.dpopJkt) {
    throw new TokenError('invalid_grant', 'The DPoP proof is signed by another key than the one this authorization code is bound to');
  }
}

/** What the provider is asked to bind the issued tokens to. */
export function issueOptions(proof: DPoPProof | undefined): TokenIssueOptions | undefined {
  return proof === undefined ? undefined : { dpopJkt: proof.jkt };
}
