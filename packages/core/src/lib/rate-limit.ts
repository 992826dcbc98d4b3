import { RateLimitError } from '../errors/errors.js';
import type { KeyValueStore } from '../storage/store.js';

/** A fixed-window limit: at most `max` hits per `windowSeconds`. */
export interface FixedWindow {
  max: number;
  windowSeconds: number;
}

/**
 * Count one hit of `id` in the current window of `limit`, with the counter in `store` (so the
 * limit holds across instances that share it), under collection `name`. Throws a
 * {@link RateLimitError} (with the seconds left in the window) beyond `limit.max`. Windows are
 * aligned on multiples of `windowSeconds` since the epoch.
 */
export async function countHit(store: KeyValueStore, name: string, id: string, limit: FixedWindow, now: number): Promise<void> {
  const window = Math.floor(now / limit.windowSeconds);
  const count = await store.increment(`${name}:${window}:${id}`, { ttlSeconds: limit.windowSeconds });
  if (count > limit.max) throw new RateLimitError((window + 1) * limit.windowSeconds - now);
}

/**
 * The bucket of a network address: IPv4 as is (IPv4-mapped IPv6 included), IPv6 by its /64
 * prefix (one subscriber usually holds a whole /64), anything else as given.
 */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const bare = address.replace(/%.*$/, '').toLowerCase();
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  if (groups.length < 4 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g) && !g.includes('.'))) return bare;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
