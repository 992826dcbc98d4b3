import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import { sha256Hex, sha256Key, cacheKey, cacheKeyFunction } from '../src/lib/sha256.js';

async function webCrypto(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

describe('sha256Hex (the cache key)', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('matches WebCrypto at every length around the block boundaries', async () => {
    for (let length = 0; length <= 200; length++) {
      const text = 'x'.repeat(length);
      expect(sha256Hex(text), `length ${length}`).toBe(await webCrypto(text));
    }
  });

  it('matches WebCrypto on inputs beyond the shared buffer, and keeps working after', async () => {
    const big = 'é'.repeat(40_000);
    expect(sha256Hex(big)).toBe(await webCrypto(big));
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches WebCrypto on random strings (UTF-8 of any code point), in both forms', async () => {
    const keyToHex = (key: string) =>
      Array.from({ length: key.length }, (_, i) => key.charCodeAt(i).toString(16).padStart(4, '0')).join('');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 3000 }), fc.string({ unit: 'grapheme', maxLength: 500 })),
        async (text) => {
          const expected = await webCrypto(text);
          expect(sha256Hex(text)).toBe(expected);
          expect(sha256Key(text)).toHaveLength(16);
          expect(keyToHex(sha256Key(text))).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('cacheKey (the verified-token cache key of a signature)', () => {
  const latin1ToHex = (key: string) =>
    Array.from({ length: key.length }, (_, i) => key.charCodeAt(i).toString(16).padStart(2, '0')).join('');
  const keyToHex = (key: string) => Array.from({ length: key.length }, (_, i) => key.charCodeAt(i).toString(16).padStart(4, '0')).join('');

  it('is the SHA-256 of the signature with node:crypto and without (the WebCrypto path), as WebCrypto computes it', async () => {
    const native = cacheKeyFunction(hash);
    const web = cacheKeyFunction(undefined);
    expect(web).toBe(sha256Key);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), maxLength: 700 }),
        async (signature) => {
          const expected = await webCrypto(signature);
          expect(native(signature)).toHaveLength(32);
          expect(latin1ToHex(native(signature))).toBe(expected);
          expect(keyToHex(web(signature))).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is node:crypto's on Node (the jose test project, which hides node:crypto, runs every verifier test with sha256Key)", () => {
    expect(latin1ToHex(cacheKey('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
