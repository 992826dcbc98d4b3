import { UpstreamError, type AnyAuthError } from '../errors/errors.js';
import { TtlCache } from '../lib/cache.js';
import { SingleFlight } from '../lib/single-flight.js';
import { parseScopes, type AccessToken } from '../protocols/access-token.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';
import type { ProxyRecords, UpstreamSetRecord } from './records.js';
import type { UpstreamClient, UpstreamTokenResponse } from './upstream.js';

/** Options of {@link UpstreamSessions}. */
export interface UpstreamSessionsOptions {
  records: ProxyRecords;
  client: UpstreamClient;
  verifier: TokenVerifier;
  /** Verify the ID token instead of the access token. */
  verifyIdToken: boolean;
  /** The `scope` sent on refresh (hook). */
  refreshScopes?: ((scopes: readonly string[]) => readonly string[] | undefined) | undefined;
  now: () => number;
  onError?: ((error: AnyAuthError) => void) | undefined;
  /** How long to wait for another instance's refresh, in milliseconds. Default 15 000. */
  refreshWaitMs?: number | undefined;
  /** Most cached validations. Default 10 000. */
  cacheEntries?: number | undefined;
  /** Seconds a last good validation is used while the upstream is unreachable (0: never). Default 0. */
  outageGrace?: number | undefined;
}

/** How long a validation without any known expiry is cached (seconds). */
const UNKNOWN_EXPIRY_CACHE = 300;
/** During an upstream outage, how long a served last good validation is cached before the upstream is asked again (seconds). */
const OUTAGE_RETRY = 30;

/**
 * The upstream token sets behind our tokens: stored (encrypted, by the caller's store),
 * validated with the upstream verifier and **cached until the upstream token expires** (not
 * re-validated on every request), refreshed upstream when expired.
 *
 * Refresh is single-flight across instances: each upstream generation has one ticket in the
 * store, and only the caller whose atomic `take` gets it calls the upstream; the others wait for
 * the next generation to appear. A refresh refused by the upstream after another instance has
 * already moved to a newer generation uses that generation instead of ending the session.
 */
export class UpstreamSessions {
  readonly #o: UpstreamSessionsOptions;
  readonly #cache: TtlCache<string, AccessToken>;
  /** The last successful validation of each session, kept `outageGrace` past its cache expiry. */
  readonly #lastGood: TtlCache<string, AccessToken>;
  readonly #flights = new SingleFlight<string, AccessToken | null>();
  readonly #refreshes = new SingleFlight<string, UpstreamSetRecord | null>();

  constructor(options: UpstreamSessionsOptions) {
    this.#o = options;
    this.#cache = new TtlCache({ maxEntries: options.cacheEntries ?? 10_000, now: options.now });
    this.#lastGood = new TtlCache({ maxEntries: options.cacheEntries ?? 10_000, now: options.now });
  }

  /** Store a new set from a token response, kept until `retainUntil` (seconds). */
  async create(setId: string, response: UpstreamTokenResponse, retainUntil: number): Promise<UpstreamSetRecord> {
    const set: UpstreamSetRecord = {
      accessToken: response.accessToken,
      refreshToken: response.refreshToken,
      idToken: response.idToken,
      expiresAt: response.expiresIn === undefined ? undefined : this.#o.now() + response.expiresIn,
      scope: response.scope,
      generation: 0,
      retainUntil,
    };
    await this.#save(setId, set);
    return set;
  }

  /** The token the verifier checks: the ID token or the access token. */
  #subject(set: UpstreamSetRecord): string | undefined {
    return this.#o.verifyIdToken ? set.idToken : set.accessToken;
  }

  /** Verify a set's token with the upstream verifier (uncached). */
  async verify(set: UpstreamSetRecord): Promise<AccessToken | null> {
    const token = this.#subject(set);
    return token === undefined ? null : this.#o.verifier.verifyToken(token);
  }

  /**
   * The verified upstream identity of a set, from the cache while the upstream token lives;
   * refreshed upstream when it has expired (or no longer verifies) and a refresh token exists.
   * `null` when the session is gone or the upstream refuses it.
   */
  validate(setId: string): Promise<AccessToken | null> {
    const cached = this.#cache.get(setId);
    if (cached) return Promise.resolve(cached);
    return this.#flights.run(setId, async () => {
      let set = await this.#o.records.upstream.get(setId);
      if (!set) return null;
      let refreshed = false;
      if (set.expiresAt !== undefined && set.expiresAt <= this.#o.now()) {
        if (!set.refreshToken) return null;
        set = await this.refresh(setId, set);
        refreshed = true;
        if (!set) return null;
      }
      let token: AccessToken | null;
      try {
        token = await this.verify(set);
      } catch (err) {
        // The upstream cannot be reached (not: the token is invalid). Within the grace, keep the
        // session on its last good validation and ask again shortly; past it, fail as before.
        const lastGood = err instanceof UpstreamError ? this.#lastGood.get(setId) : undefined;
        if (!lastGood) throw err;
        this.#o.onError?.(err as UpstreamError);
        this.#cache.set(setId, lastGood, { ttlSeconds: OUTAGE_RETRY });
        return lastGood;
      }
      if (!token && !refreshed && set.refreshToken) {
        set = await this.refresh(setId, set);
        token = set ? await this.verify(set) : null;
      }
      if (!token || !set) return null;
      // `expires_in` (relative, so immune to clock skew with the upstream) decides; the verified
      // token's own `exp` only when the upstream gave none, or for an ID token.
      const now = this.#o.now();
      const until =
        this.#o.verifyIdToken || set.expiresAt === undefined
          ? Math.min(set.expiresAt ?? Infinity, token.expiresAt ?? Infinity)
          : set.expiresAt;
      const cachedFor = (until === Infinity ? now + UNKNOWN_EXPIRY_CACHE : until) - now;
      this.#cache.set(setId, token, { ttlSeconds: cachedFor });
      if (this.#o.outageGrace) this.#lastGood.set(setId, token, { ttlSeconds: cachedFor + this.#o.outageGrace });
      return token;
    });
  }

  /**
   * Refresh a set upstream (single flight here and across instances); the new set, or `null`
   * when the upstream refuses the refresh token (the set is then deleted).
   */
  refresh(setId: string, current: UpstreamSetRecord): Promise<UpstreamSetRecord | null> {
    return this.#refreshes.run(`${setId}:${current.generation}`, () => this.#refresh(setId, current));
  }

  async #refresh(setId: string, current: UpstreamSetRecord): Promise<UpstreamSetRecord | null> {
    const { records, client, now } = this.#o;
    const ticket = `${setId}:${current.generation}`;
    if ((await records.tickets.take(ticket)) === null) return this.#awaitNewer(setId, current.generation);
    try {
      const response = await client.refresh({
        refreshToken: current.refreshToken!,
        scopes: this.#o.refreshScopes?.(parseScopes(current.scope)),
      });
      const next: UpstreamSetRecord = {
        accessToken: response.accessToken,
        refreshToken: response.refreshToken ?? current.refreshToken,
        idToken: response.idToken ?? current.idToken,
        expiresAt: response.expiresIn === undefined ? undefined : now() + response.expiresIn,
        scope: response.scope ?? current.scope,
        generation: current.generation + 1,
        retainUntil: current.retainUntil,
      };
      await this.#save(setId, next);
      this.#cache.delete(setId);
      return next;
    } catch (err) {
      if (err instanceof UpstreamError) this.#o.onError?.(err);
      if (err instanceof UpstreamError && err.reason === 'oauth_error' && err.error === 'invalid_grant') {
        const latest = await records.upstream.get(setId);
        if (latest && latest.generation > current.generation) return latest;
        await records.upstream.delete(setId);
        this.#cache.delete(setId);
        this.#lastGood.delete(setId);
        return null;
      }
      await records.tickets.set(ticket, true, this.#ttl(current));
      throw err;
    }
  }

  /** Another holder of the ticket is refreshing: wait for its generation (or give up). */
  async #awaitNewer(setId: string, generation: number): Promise<UpstreamSetRecord | null> {
    const deadline = Date.now() + (this.#o.refreshWaitMs ?? 15_000);
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      const latest = await this.#o.records.upstream.get(setId);
      if (!latest) return null;
      if (latest.generation > generation) return latest;
      if (Date.now() + delay > deadline) {
        throw new UpstreamError('timeout', 'Another instance is refreshing this upstream session and has not finished');
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** Delete a set and revoke its tokens upstream (refresh token first: that ends the grant). */
  async revoke(setId: string): Promise<void> {
    const set = await this.#o.records.upstream.take(setId);
    this.#cache.delete(setId);
    this.#lastGood.delete(setId);
    if (!set) return;
    const attempts: [string, 'refresh_token' | 'access_token'][] = [];
    if (set.refreshToken) attempts.push([set.refreshToken, 'refresh_token']);
    attempts.push([set.accessToken, 'access_token']);
    for (const [token, hint] of attempts) {
      try {
        await this.#o.client.revoke(token, hint);
      } catch (err) {
        if (err instanceof UpstreamError) this.#o.onError?.(err);
      }
    }
  }

  /** The current set (for callers that need the upstream access token itself). */
  get(setId: string): Promise<UpstreamSetRecord | null> {
    return this.#o.records.upstream.get(setId);
  }

  #ttl(set: UpstreamSetRecord): { ttlSeconds: number } {
    return { ttlSeconds: Math.max(1, set.retainUntil - this.#o.now()) };
  }

  async #save(setId: string, set: UpstreamSetRecord): Promise<void> {
    await this.#o.records.upstream.set(setId, set, this.#ttl(set));
    await this.#o.records.tickets.set(`${setId}:${set.generation}`, true, this.#ttl(set));
  }
}
