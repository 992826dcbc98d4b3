import { StorageFullError, TokenError } from '../errors/errors.js';
import { sha256 } from '../lib/crypto.js';
import type { OAuthToken } from '../protocols/provider.js';
import type { Collection } from '../storage/store.js';
import type { TokenFamilies } from './token-families.js';

/** What every stored authorization code holds (the owner adds the rest: PKCE challenge, redirect URI, …). */
export interface CodeRecordBase {
  clientId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** Options of {@link AuthorizationCodes}. */
export interface AuthorizationCodesOptions<C extends CodeRecordBase> {
  codes: Collection<C>;
  /** Codes already exchanged (the `usedCodes` of the grant collections). */
  usedCodes: Collection<true>;
  /** The grants the codes start (a replay revokes one). */
  families: Pick<TokenFamilies, 'revoke'>;
  /** How long a code lives, and how long an exchanged one is remembered (seconds). */
  codeTtl: number;
  /** Seconds since the epoch. */
  now: () => number;
}

/**
 * Authorization codes on any key-value store, for the OAuth proxy and the store provider: stored
 * under a key the owner chooses (the proxy: the code, hashed by its encrypting store; the store
 * provider: the code's SHA-256), consumed exactly once with an atomic `take`, and a code presented
 * again after (or while) it was exchanged revokes every token issued from it. The grant a code
 * starts has an id derived from the code's key, so a replay can revoke it before it even exists.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4
 */
export class AuthorizationCodes<C extends CodeRecordBase> {
  readonly #o: AuthorizationCodesOptions<C>;

  constructor(options: AuthorizationCodesOptions<C>) {
    this.#o = options;
  }

  /** Store a new code under `key` for `codeTtl` seconds. */
  save(key: string, code: C): Promise<void> {
    return this.#o.codes.set(key, code, { ttlSeconds: this.#o.codeTtl });
  }

  /** The id of the grant the code under `key` starts. */
  familyId(key: string): Promise<string> {
    return sha256(`grant:${key}`);
  }

  /** The client's code under `key`, not consumed, or `null`; a code presented again after its exchange revokes its grant. */
  async load(key: string, clientId: string): Promise<C | null> {
    const code = await this.#o.codes.get(key);
    if (!code) {
      if ((await this.#o.usedCodes.get(key)) !== null) await this.#o.families.revoke(await this.familyId(key));
      return null;
    }
    return code.clientId === clientId ? code : null;
  }

  /**
   * Consume the code under `key` (once) and start its grant with `start`. A code already
   * consumed is a replay: its grant is revoked and the caller gets `invalid_grant`. When the store
   * is full, the code is put back so the client can retry after the `503`.
   */
  async redeem(key: string, clientId: string, start: (familyId: string, code: C) => Promise<OAuthToken>): Promise<OAuthToken> {
    const { codes, usedCodes, families, codeTtl, now } = this.#o;
    const familyId = await this.familyId(key);
    const code = await codes.take(key);
    if (!code) {
      await families.revoke(familyId);
      throw new TokenError('invalid_grant', 'The authorization code is invalid, expired, or was already used');
    }
    if (code.clientId !== clientId || code.expiresAt <= now()) {
      throw new TokenError('invalid_grant', 'The authorization code is invalid, expired, or was already used');
    }
    try {
      // Recorded before the tokens exist, so a replay after this exchange finds the grant.
      await usedCodes.set(key, true, { ttlSeconds: codeTtl });
      return await start(familyId, code);
    } catch (err) {
      if (err instanceof StorageFullError) {
        await usedCodes.delete(key).catch(() => undefined);
        await codes.set(key, code, { ttlSeconds: code.expiresAt - now() }).catch(() => undefined);
      }
      throw err;
    }
  }
}
