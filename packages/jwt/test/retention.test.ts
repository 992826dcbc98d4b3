import { getHeapSnapshot } from 'node:v8';
import { expect, it } from 'vitest';
import { JWTVerifier } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';

const AUD = 'https://mcp.example.com/mcp';
const reverse = (text: string) => Array.from(text).reverse().join('');

/**
 * One heap snapshot, after pending callbacks have run and a full collection. V8 keeps the last
 * string any regular expression ran on (`RegExp.input`, one slot for the whole process): a regex
 * run on something else first, so that slot does not count as the cache keeping a token.
 */
async function snapshotText(): Promise<string> {
  await new Promise((resolve) => setImmediate(resolve));
  /./.exec('-');
  (globalThis as { gc?: () => void }).gc?.();
  let snapshot = '';
  for await (const chunk of getHeapSnapshot()) snapshot += chunk;
  return snapshot;
}

/**
 * Whether the heap holds `reverse(reversed)`; the needle is built only after the snapshot. A
 * string can outlive its last reference until a later collection (a busy machine defers them),
 * so "absent" is looked for in up to five snapshots; "present" needs only one.
 */
async function heapHolds(reversed: string, expectAbsent = false): Promise<boolean> {
  for (let attempt = 0; attempt < (expectAbsent ? 5 : 1); attempt++) {
    if (!(await snapshotText()).includes(reverse(reversed))) return false;
  }
  return true;
}

/** Verify a fresh token and forget it; returns its signature's middle, reversed (not in the heap as such). */
async function verifyAndForget(verifier: JWTVerifier, keys: RSAKeyPair, keep: string[]): Promise<string> {
  const token = await keys.createToken({ audience: AUD, scopes: ['read'] });
  const accepted = (await verifier.verifyToken(token)) !== null;
  if (!accepted) throw new Error('token refused');
  keep.push(...(keep.length > 0 ? [token] : []));
  return reverse(token.split('.')[2]!.slice(100, 180));
}

it('keeps no usable token in the verified-token cache', async () => {
  const keys = await RSAKeyPair.generate();
  const verifier = new JWTVerifier({ publicKey: keys.publicJwk, audience: AUD });
  const forgotten = await verifyAndForget(verifier, keys, []);
  expect(await heapHolds(forgotten, true)).toBe(false);
  // control: a token the test still references is found, so the probe can see tokens
  const held: string[] = ['marker'];
  const kept = await verifyAndForget(verifier, keys, held);
  expect(await heapHolds(kept)).toBe(true);
  expect(held).toHaveLength(2);
}, 60_000);
