/**
 * RedisStore's `logger`: the connection lost and back (once per change, not per failed command),
 * a write refused for lack of memory, a command failing while connected, and a Redis that would
 * evict keys, against real redis-servers. No line holds a key id or a value.
 */
import type { LogFields, Logger } from '@mcpauth/core';
import { startRedis, waitFor, type RedisHarness } from '@mcpauth/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisStore, type RedisStoreOptions } from '../src/index.js';

interface Line {
  level: string;
  message: string;
  fields: LogFields | undefined;
}

function capture(): Logger & { lines: Line[]; events(): unknown[][] } {
  const lines: Line[] = [];
  const at = (level: string) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  return {
    lines,
    events: () => lines.map((l) => [l.level, l.fields?.event]),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}

const SECRETS = ['secret-id-4711', 'secret-value-0815'];
const noSecrets = (lines: Line[]) => {
  const text = JSON.stringify(lines);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
};

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const step of cleanup.splice(0).reverse()) await step();
});
async function server(options: { port?: number } = {}): Promise<RedisHarness> {
  const harness = await startRedis(options);
  cleanup.push(() => harness.close());
  return harness;
}
/** The commands a server runs from now on (`MONITOR`), lower-cased with their arguments. */
async function commandsRun(url: string): Promise<string[]> {
  const monitor = await new Redis(url).monitor();
  cleanup.push(() => monitor.disconnect());
  const commands: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ').toLowerCase()));
  return commands;
}
function store(options: RedisStoreOptions): RedisStore {
  const s = new RedisStore(options);
  cleanup.push(() => {
    s.client.disconnect();
  });
  return s;
}

const FAST = { commandTimeout: 1_000, connectTimeout: 1_000, retryStrategy: () => 50 };
const LOST = 'RedisStore: lost the connection to Redis; every command fails until it is back';
const BACK = 'RedisStore: the connection to Redis is back';

describe('RedisStore logger', () => {
  it('the connection lost and back: one line each per change, however many commands fail meanwhile', async () => {
    let current = await server();
    const port = current.port;
    const logger = capture();
    const errors: Error[] = [];
    const s = store({ url: current.url, logger, redisOptions: FAST, onError: (e) => errors.push(e) });
    await s.set(`codes:${SECRETS[0]}`, SECRETS[1]!, { ttlSeconds: 60 });
    expect(logger.lines).toEqual([]);

    for (let round = 0; round < 2; round++) {
      await current.close();
      for (let i = 0; i < 3; i++) await expect(s.take(`codes:${SECRETS[0]}`)).rejects.toThrow(/^RedisStore: GETDEL failed/);
      const seen = errors.length;
      await waitFor(() => errors.length >= seen + 3, { message: 'three more failed reconnection attempts', intervalMs: 20 });
      current = await server({ port });
      await waitFor(() => s.client.status === 'ready', { message: 'the client to reconnect', intervalMs: 20 });
      await s.set(`codes:${SECRETS[0]}`, SECRETS[1]!, { ttlSeconds: 60 });
    }

    expect(logger.lines.map((l) => [l.level, l.message, l.fields])).toEqual([
      ['warn', LOST, { event: 'store_unreachable', source: 'RedisStore' }],
      ['info', BACK, { event: 'store_reconnected', source: 'RedisStore' }],
      ['warn', LOST, { event: 'store_unreachable', source: 'RedisStore' }],
      ['info', BACK, { event: 'store_reconnected', source: 'RedisStore' }],
    ]);
    noSecrets(logger.lines);
  });

  it('a Redis that is not there from the start: cannot connect, once; then back when it starts', async () => {
    const gone = await server();
    const port = gone.port;
    await gone.close();
    const logger = capture();
    const s = store({ url: gone.url, logger, redisOptions: FAST });
    for (let i = 0; i < 3; i++) await expect(s.get('k')).rejects.toThrow(/^RedisStore: GET failed/);
    expect(logger.lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'RedisStore: cannot connect to Redis; every command fails until it is back'],
    ]);
    await server({ port });
    await waitFor(() => s.client.status === 'ready', { message: 'the client to connect', intervalMs: 20 });
    expect(await s.get('k')).toBeNull();
    expect(logger.events()).toEqual([
      ['warn', 'store_unreachable'],
      ['info', 'store_reconnected'],
    ]);
  });

  it('close() is no lost connection', async () => {
    const up = await server();
    const logger = capture();
    const s = new RedisStore({ url: up.url, logger, redisOptions: FAST });
    await s.set('k', 'v');
    await s.close();
    expect(logger.lines).toEqual([]);
  });

  it('a write refused for lack of memory: store_full with the collection, at each refusal, never the key id or value', async () => {
    const full = await server();
    const logger = capture();
    const s = store({ url: full.url, logger });
    await s.set('as.clients:kept', 'v');
    const admin = new Redis(full.url);
    cleanup.push(() => admin.disconnect());
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    await expect(s.set(`as.clients:${SECRETS[0]}`, SECRETS[1]!, { ttlSeconds: 60 })).rejects.toMatchObject({ code: 'ERR_STORE_FULL' });
    await expect(s.increment(`as.register-limit:${SECRETS[0]}`, { ttlSeconds: 60 })).rejects.toMatchObject({ code: 'ERR_STORE_FULL' });
    expect(await s.get('as.clients:kept')).toBe('v');
    expect(logger.lines.map((l) => [l.level, l.message, l.fields])).toEqual([
      ['warn', 'RedisStore: SET refused, Redis is out of memory', { event: 'store_full', source: 'RedisStore', collection: 'as.clients' }],
      [
        'warn',
        'RedisStore: INCR refused, Redis is out of memory',
        { event: 'store_full', source: 'RedisStore', collection: 'as.register-limit' },
      ],
    ]);
    noSecrets(logger.lines);
  });

  it('a command failing while connected: unexpected_error with the command and Redis error word, never the key or value', async () => {
    const up = await server();
    const raw = new Redis(up.url);
    cleanup.push(() => raw.disconnect());
    await raw.hset(`mcp-auth:codes:${SECRETS[0]}`, 'f', SECRETS[1]!);
    const logger = capture();
    const s = store({ url: up.url, logger });
    await expect(s.take(`codes:${SECRETS[0]}`)).rejects.toThrow(/GETDEL failed/);
    await expect(s.increment(`codes:${SECRETS[0]}`, { ttlSeconds: 5 })).rejects.toThrow(/INCR failed/);
    expect(logger.lines.map((l) => [l.level, l.message, l.fields])).toEqual([
      [
        'error',
        'RedisStore: GETDEL failed (WRONGTYPE)',
        { event: 'unexpected_error', source: 'RedisStore', command: 'GETDEL', errorName: 'ReplyError', redisError: 'WRONGTYPE' },
      ],
      [
        'error',
        'RedisStore: INCR failed (WRONGTYPE)',
        { event: 'unexpected_error', source: 'RedisStore', command: 'INCR', errorName: 'ReplyError', redisError: 'WRONGTYPE' },
      ],
    ]);
    noSecrets(logger.lines);
  });

  it('a Redis with an evicting maxmemory-policy: configuration_problem once, by default on console.warn; logger: false silences it', async () => {
    const evicting = await server();
    const admin = new Redis(evicting.url);
    cleanup.push(() => admin.disconnect());
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');

    const logger = capture();
    const s = store({ url: evicting.url, logger });
    for (let i = 0; i < 3; i++) await s.set('k', 'v');
    await waitFor(() => logger.lines.length > 0, { message: 'the eviction policy warning', intervalMs: 20 });
    await s.get('k');
    expect(logger.lines.map((l) => [l.level, l.fields])).toEqual([
      ['warn', { event: 'configuration_problem', source: 'RedisStore', problem: 'redis_eviction_policy', policy: 'allkeys-lru' }],
    ]);
    expect(logger.lines[0]!.message).toMatch(/maxmemory-policy is allkeys-lru.*noeviction/);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const byDefault = store({ url: evicting.url });
    await byDefault.set('k', 'v');
    await waitFor(() => warn.mock.calls.length > 0, { message: 'the eviction policy warning on console.warn', intervalMs: 20 });
    expect(warn.mock.calls[0]![1]).toMatchObject({ event: 'configuration_problem', problem: 'redis_eviction_policy' });

    const silent = store({ url: evicting.url, logger: false });
    const commands = await commandsRun(evicting.url);
    await silent.set('k', 'v');
    await silent.get('k');
    await waitFor(() => commands.includes('get mcp-auth:k'), { message: 'the monitor to see GET', intervalMs: 20 });
    expect(commands).not.toContain('info memory');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('with noeviction (the default) nothing is said', async () => {
    const up = await server();
    const logger = capture();
    const s = store({ url: up.url, logger });
    const commands = await commandsRun(up.url);
    await s.set('k', 'v');
    await s.get('k');
    await waitFor(() => commands.includes('get mcp-auth:k'), { message: 'the monitor to see GET', intervalMs: 20 });
    // the policy was asked for, once
    expect(commands.filter((c) => c === 'info memory')).toEqual(['info memory']);
    expect(logger.lines).toEqual([]);
  });

  it('no logger: a client passed in gets no connection listeners; a wrong logger is a TypeError', async () => {
    const up = await server();
    const raw = new Redis(up.url);
    cleanup.push(() => raw.disconnect());
    const before = raw.listenerCount('reconnecting');
    new RedisStore({ client: raw });
    new RedisStore({ client: raw, logger: false });
    expect(raw.listenerCount('reconnecting')).toBe(before);
    new RedisStore({ client: raw, logger: capture() });
    expect(raw.listenerCount('reconnecting')).toBe(before + 1);
    expect(() => new RedisStore({ url: up.url, logger: {} as never })).toThrow(TypeError);
    expect(() => new RedisStore({ url: up.url, logger: console })).not.toThrow();
  });
});
