import { ConfigurationError, UpstreamError } from '@mcpauth/core';
import type { HttpClientOptions, Reporter } from '@mcpauth/core/kit';
import { fetchJson } from '@mcpauth/core/kit';
import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  type FetchImplementation,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from 'jose';
import { usableKeys } from './jwks-filter.js';

/** Options of {@link RemoteKeySet}. Durations in seconds. */
export interface RemoteKeySetOptions {
  url: URL;
  /** Algorithms tokens may use; keys for other algorithms are left out. */
  algorithms: readonly string[];
  /** Age after which the key set is refreshed in the background. */
  cacheMaxAge: number;
  /** Least time between two fetches triggered by a token (unknown `kid`) or a refresh. */
  cooldown: number;
  http: HttpClientOptions & { timeoutMs: number; maxResponseBytes: number };
  /** Clock in seconds. */
  now: () => number;
  /** Called when a fetched key set differs from the one in use (a rotation). */
  onChange: () => void;
  /** Told of refresh failures and of keys left out of the set; logs a JWKS URL that answers 4xx once. */
  report: Reporter;
}

type SelectedKey = Awaited<ReturnType<JWTVerifyGetKey>>;

function abortable<T>(promise: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new UpstreamError('timeout', `JWKS request timed out after ${timeoutMs} ms`, { cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A JWKS endpoint as a jose key resolver. jose's `createRemoteJWKSet` does the caching, the
 * single flight of concurrent fetches and the key selection; its fetch goes through core's
 * `fetchJson` (ky: explicit timeout, size limit, no redirects, no retry) and keeps only usable
 * keys (see `usableKeys`). On top of jose:
 *
 * - a stale set is refreshed in the background while its keys keep working, and a failed
 *   refresh keeps them (an IdP outage does not log everyone out);
 * - the cooldown between fetches counts from the last attempt, not the last success, so tokens
 *   with unknown `kid`s during an outage cause at most one fetch per cooldown;
 * - a change of the set is reported, so verified-token caches can be flushed.
 */
export class RemoteKeySet {
  readonly #options: RemoteKeySetOptions;
  readonly #jwks: RemoteJWKSet;
  #fingerprint: string | undefined;
  #fetchedAt: number | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  /** Keys jose selected, by `alg` then `kid`, since the last fetch. */
  readonly #selected = new Map<string, Map<string | undefined, SelectedKey>>();
  /** Fetches started or finished: a selection that saw this change is not kept. */
  #fetches = 0;
  /** Why the last fetch failed, until one succeeds: an unknown `kid` meanwhile is an outage, not a bad token. */
  #lastFailure: UpstreamError | undefined;

  constructor(options: RemoteKeySetOptions) {
    this.#options = options;
    const fetchKeys: FetchImplementation = (url, init) => this.#tracked(abortable(this.#fetch(url), init.signal, options.http.timeoutMs));
    this.#jwks = createRemoteJWKSet(options.url, {
      // jose refreshes only on first use; the policy below decides every other fetch.
      cacheMaxAge: Number.POSITIVE_INFINITY,
      cooldownDuration: Number.POSITIVE_INFINITY,
      timeoutDuration: options.http.timeoutMs,
      [customFetch]: fetchKeys,
    });
  }

  /**
   * The key resolver for `jwtVerify`. A key jose selected for an `alg` and `kid` is kept until the
   * next fetch, so later tokens signed with it get it without jose's search of the set (jose
   * selects by nothing else in a compact JWS header).
   */
  readonly getKey: JWTVerifyGetKey = (header, token) => {
    this.refreshIfStale();
    return this.#selected.get(header.alg)?.get(header.kid) ?? this.#select(header, token);
  };

  /**
   * The key jose selected for this `alg` and `kid` since the last fetch, without an await
   * (`undefined` when it has not: the token then goes through {@link getKey}). Like `getKey`,
   * starts a background refresh of a stale set.
   */
  peek(alg: string, kid: unknown): SelectedKey | undefined {
    this.refreshIfStale();
    return kid === undefined || typeof kid === 'string' ? this.#selected.get(alg)?.get(kid) : undefined;
  }

  async #select(...[header, token]: Parameters<JWTVerifyGetKey>): Promise<SelectedKey> {
    const fetches = this.#fetches;
    let key: SelectedKey;
    try {
      key = await this.#jwks(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      if (!(await this.#reloadForUnknownKey())) throw this.#lastFailure ?? err;
      return this.#jwks(header, token);
    }
    // kept only when no fetch started or ran meanwhile: the key is from the set in use; and only
    // for a string kid or none (jose ignores others), so the entries are bounded by the set
    const kid = header.kid;
    if (fetches === this.#fetches && !this.#jwks.reloading && header.alg !== undefined && (kid === undefined || typeof kid === 'string')) {
      let byKid = this.#selected.get(header.alg);
      if (byKid === undefined) {
        byKid = new Map();
        this.#selected.set(header.alg, byKid);
      }
      byKid.set(kid, key);
    }
    return key;
  }

  /** A fetch (with its timeout), remembering whether it failed. */
  async #tracked(fetching: Promise<Response>): Promise<Response> {
    try {
      const response = await fetching;
      this.#lastFailure = undefined;
      return response;
    } catch (err) {
      const failure = err instanceof UpstreamError ? err : new UpstreamError('network', 'JWKS request failed', { cause: err });
      this.#lastFailure = failure;
      this.#noteMisconfiguration(failure);
      throw failure;
    }
  }

  /** A JWKS URL that answers 4xx or something that is not a key set is a configuration problem: said once. */
  #noteMisconfiguration(failure: UpstreamError): void {
    const where = `${this.#options.url.origin}${this.#options.url.pathname}`;
    const status = failure.status;
    if (failure.reason === 'http_status' && status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
      const problem = status === 404 || status === 410 ? 'jwks_not_found' : 'jwks_refused';
      this.#options.report.problem(problem, `JWKS ${where} answers HTTP ${status}: every token is refused until jwksUri is fixed`, {
        status,
      });
    } else if (failure.reason === 'invalid_body' || failure.reason === 'redirect') {
      this.#options.report.problem(
        'jwks_invalid',
        `JWKS ${where} does not answer with a JSON Web Key Set (${failure.message}): check jwksUri`,
      );
    }
  }

  async #fetch(url: string): Promise<Response> {
    this.#fetches++;
    this.#selected.clear();
    this.#lastAttempt = this.#options.now();
    const { json } = await fetchJson(
      url,
      { headers: { Accept: 'application/jwk-set+json, application/json' } },
      { ...this.#options.http, retry: 0 },
    );
    if (!Array.isArray(json['keys'])) throw new UpstreamError('invalid_body', 'JWKS response has no "keys" array');
    const { keys, skipped } = await usableKeys(json['keys'], new Set(this.#options.algorithms));
    if (keys.length === 0) this.#options.report(new ConfigurationError(`JWKS ${this.#options.url.origin}: no usable signing key`));
    for (const s of skipped) {
      this.#options.report(
        new ConfigurationError(
          `JWKS ${this.#options.url.origin}: key #${s.index}${s.kid ? ` (kid "${s.kid}")` : ''} left out: ${s.reason}`,
        ),
      );
    }
    const fingerprint = JSON.stringify(keys);
    if (this.#fingerprint !== undefined && fingerprint !== this.#fingerprint) this.#options.onChange();
    this.#fingerprint = fingerprint;
    this.#fetchedAt = this.#options.now();
    this.#fetches++;
    this.#selected.clear();
    return new Response(JSON.stringify({ keys }), { status: 200, headers: { 'content-type': 'application/json' } });
  }

  #mayFetch(): boolean {
    return this.#options.now() - this.#lastAttempt >= this.#options.cooldown;
  }

  /** Start a background refresh when the set is older than `cacheMaxAge` (at most once per cooldown). */
  refreshIfStale(): void {
    if (this.#fetchedAt === undefined || this.#jwks.reloading) return;
    if (this.#options.now() - this.#fetchedAt < this.#options.cacheMaxAge || !this.#mayFetch()) return;
    this.#jwks.reload().catch((err: unknown) => {
      this.#options.report(err instanceof UpstreamError ? err : new UpstreamError('invalid_body', 'JWKS refresh failed', { cause: err }));
    });
  }

  /**
   * Fetch again for a token whose key is not in the set: joins a fetch in flight, else at most
   * once per cooldown. A failed fetch rejects with its `UpstreamError`.
   */
  async #reloadForUnknownKey(): Promise<boolean> {
    if (!this.#jwks.reloading && !this.#mayFetch()) return false;
    await this.#jwks.reload();
    return true;
  }
}
