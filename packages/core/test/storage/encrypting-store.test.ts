import { boundedStoreContract, storeContract, takeConcurrently } from '@mcpauth/testing';
import { describe, expect, it } from 'vitest';
import { EncryptingStore, MemoryStore, deriveJwtKey } from '../../src/index.js';

const keyA = () => deriveJwtKey({ highEntropyMaterial: 'store-secret-a-0123456789abcdef-0123456789' }, 'test-server');
const keyB = () => deriveJwtKey({ highEntropyMaterial: 'store-secret-b-0123456789abcdef-0123456789' }, 'test-server');

/** A MemoryStore that shows what the wrapped store actually holds. */
class Inspectable extends MemoryStore {
  readonly written = new Map<string, string>();
  override async set(key: string, value: string, options?: { ttlSeconds?: number }): Promise<void> {
    this.written.set(key, value);
    return super.set(key, value, options);
  }
}

describe('EncryptingStore', async () => {
  const key = await keyA();

  describe('contract (32-byte key, keys hashed with HMAC)', () => {
    const store = new EncryptingStore({ store: new MemoryStore(), key });
    for (const c of storeContract) it(c.name, () => c.run(store));
  });

  describe('bounded contract (over a bounded MemoryStore: collection names stay visible)', () => {
    for (const c of boundedStoreContract) {
      it(c.name, () => c.run((max) => new EncryptingStore({ store: new MemoryStore({ maxEntriesPerCollection: max }), key })));
    }
  });

  describe('contract (CryptoKey, keys hashed with SHA-256)', async () => {
    const cryptoKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const store = new EncryptingStore({ store: new MemoryStore(), key: cryptoKey });
    for (const c of storeContract) it(c.name, () => c.run(store));
  });

  it('round-trips, storing neither the value nor the key in clear', async () => {
    const inner = new Inspectable();
    const store = new EncryptingStore({ store: inner, key });
    const secret = JSON.stringify({ access_token: 'upstream-access-token-xyz', refresh_token: 'upstream-refresh' });
    await store.set('upstream:code-abcdef', secret, { ttlSeconds: 60 });
    expect(await store.get('upstream:code-abcdef')).toBe(secret);

    expect(inner.written.size).toBe(1);
    const [storedKey, storedValue] = [...inner.written][0]!;
    expect(storedKey).toMatch(/^upstream:[A-Za-z0-9_-]{43}$/);
    expect(storedKey).not.toContain('code-abcdef');
    expect(storedValue).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(storedValue).not.toContain('upstream-access-token');
    expect(await inner.get('upstream:code-abcdef')).toBeNull();
  });

  it('uses a fresh IV for every value', async () => {
    const inner = new Inspectable();
    const store = new EncryptingStore({ store: inner, key, hashKeys: false });
    await store.set('a', 'same');
    const first = inner.written.get('a')!;
    await store.set('a', 'same');
    const second = inner.written.get('a')!;
    expect(first.split('.')[1]).not.toBe(second.split('.')[1]);
    expect(first).not.toBe(second);
  });

  it('a tampered value is a miss (get and take), and is reported', async () => {
    const inner = new MemoryStore();
    let reports = 0;
    const store = new EncryptingStore({ store: inner, key, hashKeys: false, onUndecryptable: () => reports++ });
    await store.set('k', 'hello world');
    const stored = (await inner.get('k'))!;
    const [v, iv, body] = stored.split('.') as [string, string, string];
    const flipped = body.slice(0, 5) + (body[5] === 'A' ? 'B' : 'A') + body.slice(6);
    const tampered = [
      `${v}.${iv}.${flipped}`,
      `${v}.${iv}.${body.slice(0, -4)}`,
      `${v}.${iv.slice(0, -1)}${iv.at(-1) === 'A' ? 'B' : 'A'}.${body}`,
      `v2.${iv}.${body}`,
      'hello world',
      '',
      `${v}.${iv}.`,
      `${v}.!!!.${body}`,
    ];
    for (const value of tampered) {
      await inner.set('k', value);
      expect(await store.get('k')).toBeNull();
    }
    await inner.set('k', tampered[0]!);
    expect(await store.take('k')).toBeNull();
    expect(await inner.get('k')).toBeNull();
    expect(reports).toBe(tampered.length + 1);
  });

  it('a value moved to another key does not decrypt', async () => {
    const inner = new MemoryStore();
    const store = new EncryptingStore({ store: inner, key, hashKeys: false });
    await store.set('codes:victim', 'victim-grant');
    await inner.set('codes:attacker', (await inner.get('codes:victim'))!);
    expect(await store.get('codes:attacker')).toBeNull();
    expect(await store.get('codes:victim')).toBe('victim-grant');
  });

  it('the wrong key is a miss', async () => {
    const inner = new MemoryStore();
    await new EncryptingStore({ store: inner, key, hashKeys: false }).set('k', 'v');
    expect(await new EncryptingStore({ store: inner, key: await keyB(), hashKeys: false }).get('k')).toBeNull();
    expect(await new EncryptingStore({ store: inner, key, hashKeys: false }).get('k')).toBe('v');
    // With hashed keys, another key does not even find the entry.
    await new EncryptingStore({ store: inner, key }).set('k2', 'v2');
    expect(await new EncryptingStore({ store: inner, key: await keyB() }).get('k2')).toBeNull();
  });

  it('passes TTLs through to the wrapped store', async () => {
    let now = 0;
    const store = new EncryptingStore({ store: new MemoryStore({ now: () => now }), key });
    await store.set('t', 'v', { ttlSeconds: 5 });
    now += 4.5;
    expect(await store.get('t')).toBe('v');
    now += 0.5;
    expect(await store.get('t')).toBeNull();
  });

  it('take stays atomic through the wrapper (two wrappers on one store)', async () => {
    const shared = new MemoryStore();
    const one = new EncryptingStore({ store: shared, key });
    const two = new EncryptingStore({ store: shared, key });
    await one.set('codes:race', 'once');
    const results = await takeConcurrently([one, two], 'codes:race');
    expect(results.filter((r) => r !== null)).toEqual(['once']);
  });

  it('refuses bad keys', async () => {
    const store = new MemoryStore();
    expect(() => new EncryptingStore({ store, key: new Uint8Array(16) })).toThrow(TypeError);
    expect(() => new EncryptingStore({ store, key: 'secret' as never })).toThrow(TypeError);
    const aes128 = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt', 'decrypt']);
    expect(() => new EncryptingStore({ store, key: aes128 })).toThrow(TypeError);
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    expect(() => new EncryptingStore({ store, key: hmac })).toThrow(TypeError);
    expect(() => new EncryptingStore({ store: {} as never, key: new Uint8Array(32) })).toThrow(TypeError);
  });
});
