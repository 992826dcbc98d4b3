/**
 * Synchronous SHA-256 (FIPS 180-4) of a string's UTF-8 bytes, for keying the verified-token
 * cache (where the runtime has no `node:crypto`: see {@link cacheKey}) and the static token
 * table. WebCrypto's `digest` is asynchronous and costs more than the whole cache hit it would
 * key; the tests check this against WebCrypto.
 */

import { nodeBuiltin } from '@mcpauth/core/kit';

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Int32Array(64);
const H = new Int32Array(8);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();
const SHARED_BYTES = 64 * 1024;
const shared = new Uint8Array(SHARED_BYTES);

function hex(word: number): string {
  return HEX[(word >>> 24) & 0xff]! + HEX[(word >>> 16) & 0xff]! + HEX[(word >>> 8) & 0xff]! + HEX[word & 0xff]!;
}

/** SHA-256 of the UTF-8 encoding of `text` as eight 32-bit words, in a buffer the next call reuses. */
function digest(text: string): Int32Array {
  const needed = text.length * 3 + 72;
  // the shared buffer serves every usual input; a rare larger one gets its own, not kept
  const buffer = needed <= SHARED_BYTES ? shared : new Uint8Array(needed);
  const { written: length } = encoder.encodeInto(text, buffer);
  // padding: 0x80, zeros, then the length in bits as a 64-bit big-endian integer
  const total = (((length + 8) >>> 6) + 1) << 6;
  buffer[length] = 0x80;
  buffer.fill(0, length + 1, total);
  const bits = length * 8;
  buffer[total - 5] = Math.floor(bits / 0x100000000) & 0xff;
  buffer[total - 4] = (bits >>> 24) & 0xff;
  buffer[total - 3] = (bits >>> 16) & 0xff;
  buffer[total - 2] = (bits >>> 8) & 0xff;
  buffer[total - 1] = bits & 0xff;

  let h0 = 0x6a09e667,
    h1 = 0xbb67ae85 | 0,
    h2 = 0x3c6ef372,
    h3 = 0xa54ff53a | 0,
    h4 = 0x510e527f,
    h5 = 0x9b05688c | 0,
    h6 = 0x1f83d9ab,
    h7 = 0x5be0cd19;
  for (let offset = 0; offset < total; offset += 64) {
    for (let i = 0; i < 16; i++) {
      const p = offset + (i << 2);
      W[i] = (buffer[p]! << 24) | (buffer[p + 1]! << 16) | (buffer[p + 2]! << 8) | buffer[p + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const x = W[i - 15]!,
        y = W[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
    }
    let a = h0,
      b = h1,
      c = h2,
      d = h3,
      e = h4,
      f = h5,
      g = h6,
      h = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + (g ^ (e & (f ^ g))) + K[i]! + W[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) | (c & (a | b)))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  H[0] = h0;
  H[1] = h1;
  H[2] = h2;
  H[3] = h3;
  H[4] = h4;
  H[5] = h5;
  H[6] = h6;
  H[7] = h7;
  return H;
}

/** SHA-256 of the UTF-8 encoding of `text`, as 64 lowercase hex digits. */
export function sha256Hex(text: string): string {
  const h = digest(text);
  return hex(h[0]!) + hex(h[1]!) + hex(h[2]!) + hex(h[3]!) + hex(h[4]!) + hex(h[5]!) + hex(h[6]!) + hex(h[7]!);
}

/**
 * SHA-256 of the UTF-8 encoding of `text` as a 16-character string (the 256 bits as UTF-16 code
 * units): a compact map key, cheaper to build and to hash than hex. Not for comparing or
 * printing, as its code units need not be valid Unicode.
 */
export function sha256Key(text: string): string {
  const h = digest(text);
  return String.fromCharCode(
    h[0]! >>> 16,
    h[0]! & 0xffff,
    h[1]! >>> 16,
    h[1]! & 0xffff,
    h[2]! >>> 16,
    h[2]! & 0xffff,
    h[3]! >>> 16,
    h[3]! & 0xffff,
    h[4]! >>> 16,
    h[4]! & 0xffff,
    h[5]! >>> 16,
    h[5]! & 0xffff,
    h[6]! >>> 16,
    h[6]! & 0xffff,
    h[7]! >>> 16,
    h[7]! & 0xffff,
  );
}

type NativeHash = (algorithm: string, data: string, outputEncoding: 'binary') => string;

/**
 * The verified-token cache's key of a token (or, without `node:crypto`, of its signature):
 * SHA-256, as a 32-character string (one code unit per byte of the digest), from `node:crypto`'s
 * one-shot `hash` where the runtime has it (Node ≥ 20.12, reached at run time, about four times
 * faster than {@link sha256Key} on an RS256 signature), else {@link sha256Key}. Either is a digest
 * of the same bytes; the tests check both against WebCrypto.
 */
export function cacheKeyFunction(hash: NativeHash | undefined): (text: string) => string {
  return hash === undefined ? sha256Key : (text) => hash('sha256', text, 'binary');
}

const nodeHash = nodeBuiltin<{ hash?: unknown }>('node:crypto')?.hash;

/** {@link cacheKeyFunction} for this runtime. */
export const cacheKey = cacheKeyFunction(typeof nodeHash === 'function' ? (nodeHash as NativeHash) : undefined);

/** Whether {@link cacheKey} is `node:crypto`'s: cheap enough to hash a whole token, so that a cache entry needs no copy of its `header.payload`. */
export const cacheKeyIsNative = typeof nodeHash === 'function';
