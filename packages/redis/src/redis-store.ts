import { StorageFullError, type IncrementOptions, type KeyValueStore, type LoggingOptions, type SetOptions } from '@mcpauth/core';
import { createReporter, type Reporter } from '@mcpauth/core/kit';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';

/** Options shared by both ways of building a {@link RedisStore}. */
interface RedisStoreCommonOptions extends LoggingOptions {
  /** Prefix of every key this store writes, to share one Redis between applications. Default `"mcp-auth:"`. */
  prefix?: string | undefined;
}

/** Options of {@link RedisStore}: an ioredis client you own, or a URL for a client the store owns. */
export type RedisStoreOptions = RedisStoreCommonOptions &
  (
    | {
        /**
         * An ioredis `Redis` or `Cluster` instance. You own it: attach its `error` listener and
         * `quit()` it yourself; {@link RedisStore.close} leaves it open.
         */
        client: Redis | Cluster;
        url?: never;
        redisOptions?: never;
        onError?: never;
      }
    | {
        /** A `redis://` or `rediss://` URL; the store creates and owns the client. */
        url: string;
        /**
         * ioredis options for the owned client, over these defaults: `connectTimeout` 5 000 ms,
         * `commandTimeout` 5 000 ms, `maxRetriesPerRequest` 1, `lazyConnect` true.
         */
        redisOptions?: RedisOptions | undefined;
        /**
         * Called with connection errors of the owned client (it reconnects by itself). Without it
         * they are dropped: failed commands still reject.
         */
        onError?: ((error: Error) => void) | undefined;
        client?: never;
      }
  );

const OWNED_CLIENT_DEFAULTS: RedisOptions = {
  connectTimeout: 5_000,
  commandTimeout: 5_000,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
};

/**
 * Rethrow a client error without what it carries about the command: ioredis attaches the
 * command's arguments (keys and values, which may hold codes or tokens) to its errors, and an
 * application that logs errors would log them.
 */
function failure(command: string, err: unknown, key?: string): Error {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
  // Redis at `maxmemory` with a `noeviction` policy refuses writes with an OOM error.
  if (key !== undefined && err instanceof Error && err.message.startsWith('OOM')) {
    return new StorageFullError(collectionOf(key), 60, `RedisStore: ${command} refused, Redis is out of memory`);
  }
  return new Error(`RedisStore: ${command} failed (${message})`);
}

/** The collection of a key: what comes before its first `:` (`as.clients`), never the id after it. */
function collectionOf(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? '' : key.slice(0, colon);
}

/**
 * What a log line may say of a client error: its name, and the error word Redis answered with
 * (`WRONGTYPE`, `NOPERM`, `READONLY`, …) or `timeout`; never its message, which could quote more.
 */
function failureFields(command: string, err: unknown): { command: string; errorName: string; redisError?: string } {
  const errorName = err instanceof Error ? err.name : typeof err;
  if (!(err instanceof Error)) return { command, errorName };
  if (err.message === 'Command timed out') return { command, errorName, redisError: 'timeout' };
  const word = errorName === 'ReplyError' ? /^[A-Z][A-Z_-]{1,31}(?= |$)/.exec(err.message)?.[0] : undefined;
  return word === undefined ? { command, errorName } : { command, errorName, redisError: word };
}

/** The `maxmemory_policy` line of `INFO memory`, or `undefined` when there is none. */
function evictionPolicy(info: string): string | undefined {
  return /^maxmemory_policy:([a-z-]+)\r?$/m.exec(info)?.[1];
}

/**
 * `INCR` and, for a new counter, `PEXPIRE`, in one atomic script (a counter never lives without
 * its TTL). A counter that somehow has no TTL gets one.
 */
const INCREMENT_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * A `KeyValueStore` on Redis, for deployments with several instances: registered clients,
 * codes, transactions and token families are shared, and a code or refresh token is consumed
 * exactly once across all instances.
 *
 * - `take` is `GETDEL` (one atomic command; Redis 6.2 or later).
 * - A TTL is `SET key value EX seconds` (`PX` milliseconds for a fraction of a second, rounded
 *   up); a zero or negative TTL deletes the key; a `set` without TTL clears an earlier one.
 * - `increment` runs `INCR` and, for a new counter, `PEXPIRE` in one Lua script (atomic).
 * - Every key is prefixed (default `mcp-auth:`).
 * - Nothing is evicted by the store: give Redis the memory it needs and the `noeviction` policy
 *   (an evicting policy would drop live grants). A write Redis refuses for lack of memory
 *   (`OOM`) rejects with a `StorageFullError`, which the endpoints answer with a `503`.
 *   Entries an anonymous caller can create (registrations, pending authorizations, rate-limit
 *   counters) are written with a TTL.
 * - Failures fail closed: when Redis is unreachable, times out or answers an error, the call
 *   rejects with an `Error` whose message names the command and the client's error, but not
 *   the keys or values. Nothing is retried beyond ioredis' own `maxRetriesPerRequest`.
 * - Values are stored as given: wrap the store in `EncryptingStore` (`@mcpauth/core`) for secrets.
 * - `logger` (as everywhere in `@mcpauth/core`): the connection lost (`store_unreachable`,
 *   `warn`) and back (`store_reconnected`, `info`), once per change; a write refused for lack of
 *   memory (`store_full`, `warn`, with the collection); a command failing while connected
 *   (`unexpected_error`, `error`, with the command and Redis' error word); and, once, a Redis
 *   whose `maxmemory-policy` is not `noeviction` (`configuration_problem`, by default on
 *   `console.warn`). No line holds a key or a value.
 *
 * @example
 * ```ts
 * import { EncryptingStore, deriveJwtKey } from '@mcpauth/core';
 * import { RedisStore } from '@mcpauth/redis';
 *
 * const redis = new RedisStore({ url: process.env.REDIS_URL!, prefix: 'my-mcp:' });
 * const store = new EncryptingStore({ store: redis, key: await deriveJwtKey({ highEntropyMaterial: process.env.STORE_SECRET! }, 'my-mcp') });
 * ```
 * @see https://redis.io/docs/latest/commands/getdel/
 * @see https://redis.io/docs/latest/commands/set/
 */
export class RedisStore implements KeyValueStore {
  /** The ioredis client in use (the one passed in, or the one created from the URL). */
  readonly client: Redis | Cluster;
  /** The key prefix. */
  readonly prefix: string;
  readonly #owned: boolean;
  readonly #report: Reporter;
  /** The eviction policy check: not yet run, running or done. */
  #policyCheck: 'pending' | 'running' | 'done';
  #closing = false;

  constructor(options: RedisStoreOptions) {
    if (!options || (options.client === undefined) === (options.url === undefined)) {
      throw new TypeError('RedisStore: pass exactly one of client or url');
    }
    this.#report = createReporter({ source: 'RedisStore', logger: options.logger });
    this.#policyCheck = options.logger === false ? 'done' : 'pending';
    const prefix = options.prefix ?? 'mcp-auth:';
    if (typeof prefix !== 'string') throw new TypeError('RedisStore: prefix must be a string');
    this.prefix = prefix;
    if (options.client !== undefined) {
      if (typeof options.client.getdel !== 'function') throw new TypeError('RedisStore: client must be an ioredis Redis or Cluster');
      this.client = options.client;
      this.#owned = false;
    } else {
      if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
        throw new TypeError('RedisStore: url must be a redis:// or rediss:// URL');
      }
      const client = new Redis(options.url, { ...OWNED_CLIENT_DEFAULTS, ...options.redisOptions });
      const onError = options.onError;
      client.on('error', (err: Error) => onError?.(err));
      this.client = client;
      this.#owned = true;
    }
    // Only a logger hears of the connection (the default logs configuration problems only), and
    // a client shared by many stores gets no listeners from stores that would log nothing.
    if (options.logger) this.#watchConnection();
  }

  /** Log the connection going away (ioredis starts reconnecting) and coming back, once per change. */
  #watchConnection(): void {
    let state: 'unknown' | 'up' | 'down' = this.client.status === 'ready' ? 'up' : 'unknown';
    this.client.on('ready', () => {
      if (state === 'down') this.#report.line('info', 'store_reconnected', 'the connection to Redis is back');
      state = 'up';
    });
    this.client.on('reconnecting', () => {
      if (state === 'down' || this.#closing) return;
      const what = state === 'up' ? 'lost the connection to Redis' : 'cannot connect to Redis';
      this.#report.line('warn', 'store_unreachable', `${what}; every command fails until it is back`);
      state = 'down';
    });
  }

  /**
   * On the first command (the owned client connects lazily), ask Redis for its eviction policy
   * (`INFO memory`, allowed where `CONFIG` often is not) and warn once if it is not
   * `noeviction`. A refused `INFO` is not retried; a connection failure is, with the next command.
   */
  #checkEvictionPolicy(): void {
    if (this.#policyCheck !== 'pending') return;
    this.#policyCheck = 'running';
    this.client.info('memory').then(
      (info) => {
        this.#policyCheck = 'done';
        const policy = evictionPolicy(info);
        if (policy === undefined || policy === 'noeviction') return;
        this.#report.problem(
          'redis_eviction_policy',
          `Redis' maxmemory-policy is ${policy}: at maxmemory it evicts keys, live grants among them; set it to noeviction`,
          { policy },
        );
      },
      () => {
        this.#policyCheck = this.client.status === 'ready' ? 'done' : 'pending';
      },
    );
  }

  /** The error a failed command rejects with, logged: `store_full` for an OOM refusal, `unexpected_error` while connected. */
  #failed(command: string, err: unknown, key?: string): Error {
    const error = failure(command, err, key);
    if (error instanceof StorageFullError) {
      this.#report.line('warn', 'store_full', `${command} refused, Redis is out of memory`, { collection: error.collection });
    } else if (this.client.status === 'ready') {
      // while the connection is down every command fails; store_unreachable said so once
      const fields = failureFields(command, err);
      this.#report.line('error', 'unexpected_error', `${command} failed (${fields.redisError ?? fields.errorName})`, fields);
    }
    return error;
  }

  async get(key: string): Promise<string | null> {
    this.#checkEvictionPolicy();
    try {
      return await this.client.get(this.prefix + key);
    } catch (err) {
      throw this.#failed('GET', err);
    }
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<void> {
    const k = this.prefix + key;
    const ttl = options.ttlSeconds;
    this.#checkEvictionPolicy();
    try {
      if (ttl === undefined || ttl === Number.POSITIVE_INFINITY) await this.client.set(k, value);
      else if (!(ttl > 0)) await this.client.del(k);
      else if (Number.isInteger(ttl)) await this.client.set(k, value, 'EX', ttl);
      else await this.client.set(k, value, 'PX', Math.ceil(ttl * 1000));
    } catch (err) {
      throw this.#failed('SET', err, key);
    }
  }

  async delete(key: string): Promise<void> {
    this.#checkEvictionPolicy();
    try {
      await this.client.del(this.prefix + key);
    } catch (err) {
      throw this.#failed('DEL', err);
    }
  }

  async take(key: string): Promise<string | null> {
    this.#checkEvictionPolicy();
    try {
      return await this.client.getdel(this.prefix + key);
    } catch (err) {
      throw this.#failed('GETDEL', err);
    }
  }

  async increment(key: string, options: IncrementOptions): Promise<number> {
    const ttl = options?.ttlSeconds;
    if (typeof ttl !== 'number' || !(ttl > 0) || !Number.isFinite(ttl))
      throw new TypeError('RedisStore: increment ttlSeconds must be a positive finite number');
    this.#checkEvictionPolicy();
    try {
      return Number(await this.client.eval(INCREMENT_SCRIPT, 1, this.prefix + key, Math.ceil(ttl * 1000)));
    } catch (err) {
      throw this.#failed('INCR', err, key);
    }
  }

  /** Close the client when this store created it (from `url`); a client passed in is left open. */
  async close(): Promise<void> {
    if (!this.#owned || this.client.status === 'end') return;
    this.#closing = true;
    if (this.client.status !== 'ready') {
      // Never connected (lazy), or reconnecting: nothing to quit gracefully.
      this.client.disconnect();
      return;
    }
    const ended = new Promise<void>((resolve) => this.client.once('end', () => resolve()));
    try {
      await this.client.quit();
      await ended;
    } catch {
      this.client.disconnect();
    }
  }
}
