import { epochSeconds, type Clock } from '../lib/clock.js';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigurationError } from '../errors/errors.js';
import { ExpiringMap, counterExpiry, expiryOf, maxPerCollectionOption, type ExpiringEntry } from '../lib/expiring-map.js';
import type { IncrementOptions, KeyValueStore, SetOptions } from './store.js';

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /** The JSON file holding the entries; created (with its directory) on the first write. */
  path: string;
  /**
   * Most entries one collection (the key up to its first `:`) may hold. When a collection is full
   * its expired entries are swept, then a new key is refused with a `StorageFullError`: a live
   * entry is never evicted. Entries reloaded from the file are kept even above it. Default 250 000.
   */
  maxEntriesPerCollection?: number | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

/** On-disk format: `{ version: 1, entries: [[key, value, expiresAtMs | null], …] }`. */
interface FileContent {
  version: 1;
  entries: [string, string, number | null][];
}

function parseContent(text: string, path: string): ExpiringEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigurationError(`FileStore: ${path} is not valid JSON`, { cause: err });
  }
  const content = data as Partial<FileContent> | null;
  if (content?.version !== 1 || !Array.isArray(content.entries)) {
    throw new ConfigurationError(`FileStore: ${path} is not a version 1 store file`);
  }
  return content.entries.map((e) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'string' || (e[2] !== null && typeof e[2] !== 'number')) {
      throw new ConfigurationError(`FileStore: ${path} holds a malformed entry`);
    }
    return [e[0], e[1], e[2] ?? Number.POSITIVE_INFINITY];
  });
}

/**
 * A {@link KeyValueStore} that persists to one JSON file, for a single server that must keep
 * registered clients, refresh tokens and pending codes across restarts. Node only: import it from
 * `@mcpauth/core/node`.
 *
 * - Entries are held in memory and the whole file is rewritten after each change: written to a
 *   temporary file in the same directory (mode `0600`), flushed to disk, then renamed over the
 *   old one, so a crash leaves either the old or the new file, never a torn one. Concurrent
 *   changes share one write. Each method resolves once its change is on disk; when the write
 *   fails it rejects, and the change stays in memory and is written with the next one.
 * - TTLs are stored as absolute times and honoured after a reload; expired entries are dropped.
 * - Each collection is bounded on its own, as in `MemoryStore`: a full collection refuses new
 *   keys with a `StorageFullError` and never evicts a live entry.
 * - `take` and `increment` are atomic within the process. One process per file: two processes writing the same
 *   file overwrite each other's changes. For several instances use `@mcpauth/redis`.
 * - The file is read on first use; a missing file is an empty store; a file that does not parse
 *   makes every method reject with a {@link ConfigurationError} (nothing is overwritten).
 *   Call {@link FileStore.ready} at start-up to find out early.
 * - Values are stored as given: wrap it in `EncryptingStore` for anything secret.
 *
 * Sized for the few thousand entries of one server: every change rewrites the file.
 *
 * @example
 * ```ts
 * import { EncryptingStore, deriveJwtKey } from '@mcpauth/core';
 * import { FileStore } from '@mcpauth/core/node';
 *
 * const file = new FileStore({ path: './data/auth-store.json' });
 * await file.ready();
 * const store = new EncryptingStore({ store: file, key: await deriveJwtKey({ highEntropyMaterial: process.env.STORE_SECRET! }, 'my-server') });
 * ```
 */
export class FileStore implements KeyValueStore {
  /** The file this store persists to. */
  readonly path: string;
  /** Milliseconds since the epoch (the entries' unit), from the seconds clock. */
  readonly #now: () => number;
  readonly #entries: ExpiringMap;
  #loaded: Promise<void> | undefined;
  /** The last write scheduled; later writes run after it. */
  #queue: Promise<void> = Promise.resolve();
  /** A write scheduled but not yet started: changes made before it starts are in it. */
  #next: Promise<void> | undefined;

  constructor(options: FileStoreOptions) {
    if (!options || typeof options.path !== 'string' || options.path.length === 0) {
      throw new TypeError('FileStore: path must be a non-empty string');
    }
    const max = maxPerCollectionOption(options, 'FileStore');
    this.path = options.path;
    const clock = options.now ?? epochSeconds;
    this.#now = () => clock() * 1000;
    this.#entries = new ExpiringMap(max, this.#now);
  }

  /** Resolves once the file is loaded; rejects when it cannot be read or parsed. */
  ready(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async get(key: string): Promise<string | null> {
    await this.ready();
    return this.#entries.get(key) ?? null;
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<void> {
    await this.ready();
    this.#entries.set(key, value, expiryOf(options.ttlSeconds, this.#now()));
    await this.#persist();
  }

  async delete(key: string): Promise<void> {
    await this.ready();
    if (this.#entries.delete(key)) await this.#persist();
  }

  async take(key: string): Promise<string | null> {
    await this.ready();
    // Read and delete in one synchronous step: atomic within the process.
    const value = this.#entries.take(key);
    if (value === undefined) return null;
    await this.#persist();
    return value;
  }

  async increment(key: string, options: IncrementOptions): Promise<number> {
    await this.ready();
    const count = this.#entries.increment(key, counterExpiry(options?.ttlSeconds, this.#now()));
    await this.#persist();
    return count;
  }

  async #load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const [key, value, expiresAt] of parseContent(text, this.path)) this.#entries.restore(key, value, expiresAt);
  }

  #persist(): Promise<void> {
    if (this.#next) return this.#next;
    const next = this.#queue
      .catch(() => undefined)
      .then(() => {
        this.#next = undefined;
        return this.#write();
      });
    this.#next = next;
    this.#queue = next;
    return next;
  }

  async #write(): Promise<void> {
    // Snapshot synchronously: every change made before this point is in this write.
    const content: FileContent = {
      version: 1,
      entries: [...this.#entries.entries()].map(([k, v, e]) => [k, v, Number.isFinite(e) ? e : null]),
    };
    const data = JSON.stringify(content);
    const temp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(data, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await syncDirectory(dirname(this.path));
  }
}

/** Make the rename durable where the platform allows it (not on Windows). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the rename itself is atomic either way.
  }
}
