/**
 * The single-use race: many token requests with one authorization code, spread over several
 * authorization-server instances that share a storage backend (one `KeyValueStore` object per
 * instance). Reusable for every store: memory here, Redis and the file store in their own tests.
 *
 * @example
 * ```ts
 * const result = await raceCodeRedemption([new RedisStore(a), new RedisStore(b)]);
 * expect(result.succeeded).toBe(1);
 * ```
 */
import type { KeyValueStore, OAuthToken } from '../../src/index.js';
import { codeFor, direct, redeem } from './fixtures.js';

export interface CodeRace {
  /** How many requests got a 200 with tokens. */
  succeeded: number;
  /** The `error` of every refused request. */
  errors: string[];
  /** Every status, in request order. */
  statuses: number[];
  /** The tokens of the request that won, when one did. */
  winner: OAuthToken | undefined;
  /** Whether the winner's access token is still accepted afterwards (a replay revokes the grant). */
  winnerAccessTokenValid: boolean;
}

/** Race `count` redemptions of one code over instances on `stores` (round-robin). */
export async function raceCodeRedemption(stores: readonly KeyValueStore[], count = 50): Promise<CodeRace> {
  if (stores.length === 0) throw new TypeError('raceCodeRedemption: at least one store');
  const instances = stores.map((store) => direct({ store }));
  const first = instances[0]!;
  const { client, code, verifier } = await codeFor(first);
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) => redeem(instances[i % instances.length]!, client.client_id, code, verifier)),
  );
  const statuses = responses.map((r) => r.status);
  const bodies = (await Promise.all(responses.map((r) => r.json()))) as (OAuthToken & { error?: string })[];
  const winners = bodies.filter((_, i) => statuses[i] === 200);
  const errors = bodies.filter((b) => b.error !== undefined).map((b) => b.error!);
  const winner = winners[0];
  return {
    succeeded: winners.length,
    errors,
    statuses,
    winner,
    winnerAccessTokenValid: winner ? (await first.provider.loadAccessToken(winner.access_token)) !== null : false,
  };
}
