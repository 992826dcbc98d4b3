import type { Clock } from '../lib/clock.js';
import { hmacSign, hmacVerify } from '../lib/hmac.js';
import { base64url, fromBase64url, utf8 } from '../lib/encoding.js';
import { sha256 } from '../lib/crypto.js';

/** One remembered approval: a digest of (client, redirect URI, scopes) and its expiry (epoch seconds). */
type Entry = [digest: string, expiresAt: number];

/** Options of {@link RememberedApprovals}. */
export interface RememberedApprovalsOptions {
  /** HMAC key signing the cookie. */
  key: Uint8Array;
  /** Most approvals kept; the oldest are dropped beyond it. Default 20. */
  maxEntries?: number | undefined;
  /** How long one approval is remembered, in seconds. Default 30 days. */
  ttlSeconds?: number | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

const decoder = new TextDecoder();

/**
 * Approvals a browser remembers, in one signed cookie: each entry is a digest of the client id,
 * the exact redirect URI and the sorted scopes, with an expiry. The list is bounded (oldest
 * dropped), expired entries are dropped on every write, and a cookie whose signature does not
 * verify is read as empty. Nothing about the client is readable from the cookie.
 */
export class RememberedApprovals {
  readonly #key: Uint8Array;
  readonly #max: number;
  readonly #ttl: number;
  readonly #now: () => number;

  constructor(options: RememberedApprovalsOptions) {
    this.#key = options.key;
    this.#max = options.maxEntries ?? 20;
    this.#ttl = options.ttlSeconds ?? 30 * 24 * 3600;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    if (!Number.isInteger(this.#max) || this.#max <= 0) throw new TypeError('RememberedApprovals: maxEntries must be a positive integer');
    if (!(this.#ttl > 0)) throw new TypeError('RememberedApprovals: ttlSeconds must be positive');
  }

  /** Lifetime of the cookie, in seconds. */
  get ttlSeconds(): number {
    return this.#ttl;
  }

  /** Whether the cookie value holds a live approval for this request. */
  async has(cookie: string | null, approval: { clientId: string; redirectUri: string; scopes: readonly string[] }): Promise<boolean> {
    const digest = await digestOf(approval);
    const now = this.#now();
    return (await this.#read(cookie)).some(([d, exp]) => d === digest && exp > now);
  }

  /** A new cookie value with this approval added (refreshed when already present). */
  async add(cookie: string | null, approval: { clientId: string; redirectUri: string; scopes: readonly string[] }): Promise<string> {
    const digest = await digestOf(approval);
    const now = this.#now();
    const kept = (await this.#read(cookie)).filter(([d, exp]) => d !== digest && exp > now);
    const entries: Entry[] = [...kept, [digest, now + this.#ttl] as Entry].slice(-this.#max);
    const payload = base64url(utf8(JSON.stringify(entries)));
    return `${payload}.${await hmacSign(this.#key, `approvals|${payload}`)}`;
  }

  async #read(cookie: string | null): Promise<Entry[]> {
    if (!cookie) return [];
    const dot = cookie.indexOf('.');
    if (dot <= 0 || cookie.length > 4096) return [];
    const payload = cookie.slice(0, dot);
    if (!(await hmacVerify(this.#key, `approvals|${payload}`, cookie.slice(dot + 1)))) return [];
    const bytes = fromBase64url(payload);
    if (!bytes) return [];
    try {
      const parsed: unknown = JSON.parse(decoder.decode(bytes));
      if (!Array.isArray(parsed)) return [];
      return parsed.filter((e): e is Entry => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number').slice(-this.#max);
    } catch {
      return [];
    }
  }
}

async function digestOf(approval: { clientId: string; redirectUri: string; scopes: readonly string[] }): Promise<string> {
  const scopes = [...new Set(approval.scopes)].sort().join(' ');
  return (await sha256(JSON.stringify([approval.clientId, approval.redirectUri, scopes]))).slice(0, 22);
}
