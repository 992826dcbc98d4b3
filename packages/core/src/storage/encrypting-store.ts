import { base64url, fromBase64url, utf8 } from '../lib/encoding.js';
import type { IncrementOptions, KeyValueStore, SetOptions } from './store.js';

/** Options of {@link EncryptingStore}. */
export interface EncryptingStoreOptions {
  /** The store that holds the ciphertext (memory, file, Redis, …). */
  store: KeyValueStore;
  /**
   * The key: 32 bytes (from `deriveJwtKey`, or 32 random bytes), or an AES-GCM 256-bit
   * `CryptoKey` with `encrypt` and `decrypt` usages. From 32 bytes, separate subkeys for
   * encryption and for key hashing are derived with HKDF-SHA256.
   */
  key: Uint8Array | CryptoKey;
  /**
   * Store keys hashed, so that the underlying store never sees a token or code that is part of a
   * key (`codes:<code>`). The collection name (up to the first `:`) stays readable. With a 32-byte
   * key the hash is HMAC-SHA256 under a derived subkey (not guessable without the key); with a
   * `CryptoKey` it is plain SHA-256. Default `true`.
   */
  hashKeys?: boolean | undefined;
  /** Called when a stored value does not decrypt (wrong key, tampering, another format). Never given the key or value. */
  onUndecryptable?: (() => void) | undefined;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const ENC_INFO = utf8('mcp-auth/store-encryption/v1');
const HASH_INFO = utf8('mcp-auth/store-key-hash/v1');

interface Keys {
  aes: CryptoKey;
  hmac: CryptoKey | undefined;
}

async function importKeys(key: Uint8Array | CryptoKey, hashKeys: boolean): Promise<Keys> {
  if (!(key instanceof Uint8Array)) return { aes: key, hmac: undefined };
  const master = await crypto.subtle.importKey('raw', new Uint8Array(key), 'HKDF', false, ['deriveKey']);
  const hkdf = (info: Uint8Array<ArrayBuffer>) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info });
  const aes = await crypto.subtle.deriveKey(hkdf(ENC_INFO), master, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const hmac = hashKeys
    ? await crypto.subtle.deriveKey(hkdf(HASH_INFO), master, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign'])
    : undefined;
  return { aes, hmac };
}

/**
 * A {@link KeyValueStore} wrapper that encrypts every value with AES-256-GCM (WebCrypto) before
 * it reaches the underlying store, and by default hashes the keys. Upstream tokens always go
 * through it.
 *
 * - Each value gets a fresh random 96-bit IV; the stored form is `v1.<iv>.<ciphertext+tag>`
 *   (base64url). The logical key is authenticated as additional data, so a value copied under
 *   another key does not decrypt.
 * - **A value that does not decrypt is a miss**: `get` and `take` return `null` for a wrong key,
 *   a tampered or truncated value, or a value written by something else (and `take` still
 *   deletes it). `onUndecryptable` reports it. Changing the key therefore empties the store in
 *   effect: clients re-register and users sign in again.
 * - TTL, atomic `take`, collection bounds and failure behaviour are those of the underlying store.
 * - `increment` counters are not secret: they are stored in clear under the hashed key (the
 *   underlying store must add to them atomically), and only `increment` reads them.
 * - A random 96-bit IV allows about 2³² values per key before the IV-collision bound of
 *   NIST SP 800-38D; rotate the key long before that.
 *
 * @example
 * ```ts
 * const key = await deriveJwtKey({ highEntropyMaterial: process.env.STORE_SECRET! }, 'my-mcp-server');
 * const store = new EncryptingStore({ store: new RedisStore({ url: process.env.REDIS_URL! }), key });
 * await store.set('upstream:abc', JSON.stringify(tokens), { ttlSeconds: 3600 });
 * ```
 * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf
 */
export class EncryptingStore implements KeyValueStore {
  readonly #store: KeyValueStore;
  readonly #keys: Promise<Keys>;
  readonly #hashKeys: boolean;
  readonly #onUndecryptable: (() => void) | undefined;

  constructor(options: EncryptingStoreOptions) {
    const store = options?.store;
    if (!store || typeof store.get !== 'function' || typeof store.take !== 'function') {
      throw new TypeError('EncryptingStore: store must implement KeyValueStore');
    }
    const key = options.key;
    if (key instanceof Uint8Array) {
      if (key.length !== 32) throw new TypeError('EncryptingStore: key must be 32 bytes (see deriveJwtKey)');
    } else if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) {
      const algorithm = key.algorithm as AesKeyAlgorithm;
      if (algorithm.name !== 'AES-GCM' || algorithm.length !== 256 || !key.usages.includes('encrypt') || !key.usages.includes('decrypt')) {
        throw new TypeError('EncryptingStore: a CryptoKey must be AES-GCM, 256 bits, with encrypt and decrypt usages');
      }
    } else {
      throw new TypeError('EncryptingStore: key must be a 32-byte Uint8Array or an AES-GCM CryptoKey');
    }
    this.#store = store;
    this.#hashKeys = options.hashKeys ?? true;
    this.#onUndecryptable = options.onUndecryptable;
    this.#keys = importKeys(key, this.#hashKeys);
    // Key import cannot fail for validated input; keep a rejection from going unhandled anyway.
    this.#keys.catch(() => undefined);
  }

  async get(key: string): Promise<string | null> {
    return this.#decrypt(key, await this.#store.get(await this.#storedKey(key)));
  }

  async set(key: string, value: string, options?: SetOptions): Promise<void> {
    const { aes } = await this.#keys;
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(key) }, aes, utf8(value));
    await this.#store.set(await this.#storedKey(key), `${VERSION}.${base64url(iv)}.${base64url(new Uint8Array(sealed))}`, options);
  }

  async delete(key: string): Promise<void> {
    await this.#store.delete(await this.#storedKey(key));
  }

  async take(key: string): Promise<string | null> {
    return this.#decrypt(key, await this.#store.take(await this.#storedKey(key)));
  }

  async increment(key: string, options: IncrementOptions): Promise<number> {
    return this.#store.increment(await this.#storedKey(key), options);
  }

  /** The key used in the underlying store: `<collection>:<hash>` when hashing, else the key itself. */
  async #storedKey(key: string): Promise<string> {
    if (!this.#hashKeys) return key;
    const colon = key.indexOf(':');
    const namespace = colon >= 0 ? key.slice(0, colon + 1) : '';
    const { hmac } = await this.#keys;
    const digest = hmac ? await crypto.subtle.sign('HMAC', hmac, utf8(key)) : await crypto.subtle.digest('SHA-256', utf8(key));
    return `${namespace}${base64url(new Uint8Array(digest))}`;
  }

  async #decrypt(key: string, stored: string | null): Promise<string | null> {
    if (stored === null) return null;
    const parts = stored.split('.');
    const iv = parts.length === 3 && parts[0] === VERSION ? fromBase64url(parts[1]!) : null;
    const sealed = iv?.length === IV_BYTES ? fromBase64url(parts[2]!) : null;
    if (iv && sealed && sealed.length >= 16) {
      try {
        const { aes } = await this.#keys;
        const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: utf8(key) }, aes, sealed);
        return new TextDecoder('utf-8', { fatal: true }).decode(plain);
      } catch {
        // falls through to the miss below
      }
    }
    this.#onUndecryptable?.();
    return null;
  }
}
