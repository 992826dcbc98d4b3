/**
 * The DPoP proof check (RFC 9449 §4.3): proofs built by the MCP SDK client's `DpopSession` pass,
 * and each rule refuses the proof that breaks it. Proofs that break a rule are signed by hand with
 * jose (a real signature over the broken claims), so only that rule can refuse them.
 */
import { DpopSession } from '@modelcontextprotocol/client';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DPoPError } from '../../src/errors/errors.js';
import { errorResponse } from '../../src/errors/response.js';
import { DPoPProofVerifier, type DPoPProofOptions } from '../../src/dpop/proof.js';
import { MemoryStore } from '../../src/storage/memory-store.js';

const URL_ = 'https://mcp.example.com/mcp';
const TOKEN = 'access-token-0123456789';
const SECRET = 'dpop-nonce-secret-0123456789abcdef0123456789';

let t = 1_800_000_000;
const now = () => t;

let keys: { privateKey: CryptoKey; publicJwk: JWK };
beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  keys = { privateKey: pair.privateKey, publicJwk: await exportJWK(pair.publicKey) };
});

async function ath(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return Buffer.from(digest).toString('base64url');
}

/** A proof signed with `keys`, for `claims` over the defaults (POST to URL_ now, with ath of TOKEN) and `header` over `typ`, `alg`, `jwk`. */
async function proof(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key: CryptoKey | Uint8Array = keys.privateKey,
) {
  return new SignJWT({ jti: crypto.randomUUID(), htm: 'POST', htu: URL_, iat: t, ath: await ath(TOKEN), ...claims })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: keys.publicJwk, ...header } as never)
    .sign(key);
}

function verifier(options: Partial<DPoPProofOptions> = {}) {
  return new DPoPProofVerifier({ store: new MemoryStore({ now }), now, ...options });
}

async function expectRefusal(promise: Promise<unknown>): Promise<DPoPError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DPoPError);
  return err as DPoPError;
}

describe('DPoPProofVerifier', () => {
  it('accepts a proof from the MCP SDK client (DpopSession) and returns its key thumbprint', async () => {
    const session = await DpopSession.create();
    const v = new DPoPProofVerifier({ store: new MemoryStore() });
    const built = await session.buildProof({ htm: 'post', htu: new URL(`${URL_}?x=1#f`), accessToken: TOKEN });
    const checked = await v.verify({ proof: built, method: 'POST', url: `${URL_}?session=2`, accessToken: TOKEN });
    expect(checked.jkt).toBe(session.thumbprint);
    expect(checked.alg).toBe('ES256');
    await v.consume(checked);
  });

  it('accepts a hand-made proof and its thumbprint is RFC 7638 of the jwk', async () => {
    const checked = await verifier().verify({ proof: await proof(), method: 'post', url: URL_, accessToken: TOKEN });
    expect(checked.jkt).toBe(await calculateJwkThumbprint(keys.publicJwk, 'sha256'));
  });

  it('a proof is consumed once; a second verifier on the same store refuses it too', async () => {
    const store = new MemoryStore({ now });
    const a = verifier({ store });
    const b = verifier({ store });
    const p = await proof();
    const input = { proof: p, method: 'POST', url: URL_, accessToken: TOKEN };
    await a.consume(await a.verify(input));
    expect((await expectRefusal(a.verify(input).then((c) => a.consume(c)))).errorDescription).toMatch(/already used/);
    expect((await expectRefusal(b.verify(input).then((c) => b.consume(c)))).error).toBe('invalid_dpop_proof');
  });

  it('remembers a jti until the proof could no longer pass the iat check, not forever', async () => {
    const store = new MemoryStore({ now });
    const v = verifier({ store, iatWindow: 60 });
    const p = await proof();
    await v.consume(await v.verify({ proof: p, method: 'POST', url: URL_, accessToken: TOKEN }));
    t += 59;
    await expect(v.verify({ proof: p, method: 'POST', url: URL_, accessToken: TOKEN }).then((c) => v.consume(c))).rejects.toThrow(
      /already used/,
    );
    t += 5;
    // by now the iat check refuses it, and the store may forget it
    expect((await expectRefusal(v.verify({ proof: p, method: 'POST', url: URL_, accessToken: TOKEN }))).errorDescription).toMatch(/iat/);
  });

  it('refuses a proof for another method or URL; the query and fragment do not count', async () => {
    const v = verifier();
    const p = await proof();
    expect((await expectRefusal(v.verify({ proof: p, method: 'GET', url: URL_, accessToken: TOKEN }))).errorDescription).toMatch(/method/);
    expect(
      (await expectRefusal(v.verify({ proof: p, method: 'POST', url: 'https://mcp.example.com/other', accessToken: TOKEN })))
        .errorDescription,
    ).toMatch(/URL/);
    expect(
      (await expectRefusal(v.verify({ proof: p, method: 'POST', url: 'https://evil.example.com/mcp', accessToken: TOKEN }))).error,
    ).toBe('invalid_dpop_proof');
    await expect(v.verify({ proof: p, method: 'POST', url: `${URL_}?a=b#c`, accessToken: TOKEN })).resolves.toBeDefined();
    // an htu with a default port is the same URL (RFC 3986 §6.2.3)
    await expect(
      v.verify({ proof: await proof({ htu: 'https://MCP.example.com:443/mcp' }), method: 'POST', url: URL_, accessToken: TOKEN }),
    ).resolves.toBeDefined();
  });

  it('refuses a stale iat and one from the future beyond the window', async () => {
    const v = verifier({ iatWindow: 30 });
    const input = async (iat: number) => ({ proof: await proof({ iat }), method: 'POST', url: URL_, accessToken: TOKEN });
    await expect(v.verify(await input(t - 30))).resolves.toBeDefined();
    await expectRefusal(v.verify(await input(t - 31)));
    await expectRefusal(v.verify(await input(t + 31)));
    await expectRefusal(v.verify({ proof: await proof({ iat: 'now' }), method: 'POST', url: URL_, accessToken: TOKEN }));
    await expectRefusal(v.verify({ proof: await proof({ iat: undefined }), method: 'POST', url: URL_, accessToken: TOKEN }));
  });

  it('refuses a missing or wrong ath when an access token is presented', async () => {
    const v = verifier();
    expect(
      (await expectRefusal(v.verify({ proof: await proof({ ath: undefined }), method: 'POST', url: URL_, accessToken: TOKEN })))
        .errorDescription,
    ).toMatch(/ath/);
    await expectRefusal(
      v.verify({ proof: await proof({ ath: await ath('another-token') }), method: 'POST', url: URL_, accessToken: TOKEN }),
    );
    // at a token endpoint there is no access token, and no ath is needed
    await expect(v.verify({ proof: await proof({ ath: undefined }), method: 'POST', url: URL_ })).resolves.toBeDefined();
  });

  it('refuses missing jti, htm, htu', async () => {
    const v = verifier();
    for (const missing of ['jti', 'htm', 'htu']) {
      await expectRefusal(v.verify({ proof: await proof({ [missing]: undefined }), method: 'POST', url: URL_, accessToken: TOKEN }));
    }
  });

  it('refuses another typ, an HS256 proof, an alg outside the allow-list, a private key in jwk, no jwk, a signature by another key', async () => {
    const v = verifier({ algorithms: ['ES256', 'EdDSA'] });
    const check = (p: string) => expectRefusal(v.verify({ proof: p, method: 'POST', url: URL_, accessToken: TOKEN }));
    expect((await check(await proof({}, { typ: 'JWT' }))).errorDescription).toMatch(/typ/);
    const secret = new TextEncoder().encode('a-shared-secret-a-shared-secret-0');
    expect((await check(await proof({}, { alg: 'HS256' }, secret))).errorDescription).toMatch(/signed with one of/);
    const rsa = await generateKeyPair('RS256');
    expect((await check(await proof({}, { alg: 'RS256', jwk: await exportJWK(rsa.publicKey) }, rsa.privateKey))).errorDescription).toMatch(
      /signed with one of/,
    );
    const withPrivate = await exportJWK(keys.privateKey);
    expect((await check(await proof({}, { jwk: withPrivate }))).errorDescription).toMatch(/public key/);
    expect((await check(await proof({}, { jwk: { kty: 'oct', k: 'c2VjcmV0' } }))).errorDescription).toMatch(/public key/);
    expect((await check(await proof({}, { jwk: undefined }))).errorDescription).toMatch(/jwk/);
    const other = await generateKeyPair('ES256');
    expect((await check(await proof({}, {}, other.privateKey))).errorDescription).toMatch(/signature/);
  });

  it('refuses no proof, two proofs (comma-joined headers), garbage and an oversized proof', async () => {
    const v = verifier();
    const p = await proof();
    for (const bad of [null, undefined, '', `${p}, ${p}`, 'not.a.jwt!', 'a.b.c', `${p}${'A'.repeat(9000)}`]) {
      await expectRefusal(v.verify({ proof: bad, method: 'POST', url: URL_, accessToken: TOKEN }));
    }
  });

  describe('server nonces', () => {
    it('without a nonce: use_dpop_nonce with a fresh one; with it: accepted', async () => {
      const v = verifier({ nonce: { secret: SECRET } });
      expect(v.requiresNonce).toBe(true);
      const err = await expectRefusal(v.verify({ proof: await proof(), method: 'POST', url: URL_, accessToken: TOKEN }));
      expect(err.error).toBe('use_dpop_nonce');
      expect(err.nonce).toBe(await v.currentNonce());
      await expect(
        v.verify({ proof: await proof({ nonce: err.nonce }), method: 'POST', url: URL_, accessToken: TOKEN }),
      ).resolves.toBeDefined();
    });

    it('a nonce lives one to two lifetimes, then use_dpop_nonce with the new one; forged and foreign nonces are refused', async () => {
      const v = verifier({ nonce: { secret: SECRET, lifetime: 100 } });
      const nonce = (await v.currentNonce())!;
      t += 100;
      await expect(v.verify({ proof: await proof({ nonce }), method: 'POST', url: URL_, accessToken: TOKEN })).resolves.toBeDefined();
      t += 100;
      const stale = await expectRefusal(v.verify({ proof: await proof({ nonce }), method: 'POST', url: URL_, accessToken: TOKEN }));
      expect(stale.error).toBe('use_dpop_nonce');
      expect(stale.nonce).not.toBe(nonce);
      const current = (await v.currentNonce())!;
      const forged = `${current.split('.')[0]}.${'A'.repeat(43)}`;
      expect(
        (await expectRefusal(v.verify({ proof: await proof({ nonce: forged }), method: 'POST', url: URL_, accessToken: TOKEN }))).error,
      ).toBe('use_dpop_nonce');
      const foreign = await verifier({ nonce: { secret: `${SECRET}-other`, lifetime: 100 } }).currentNonce();
      await expectRefusal(v.verify({ proof: await proof({ nonce: foreign }), method: 'POST', url: URL_, accessToken: TOKEN }));
      // another instance with the same secret issues and accepts the same nonce
      const twin = verifier({ nonce: { secret: SECRET, lifetime: 100 } });
      expect(await twin.currentNonce()).toBe(current);
    });

    it('without nonces configured, no nonce is issued', async () => {
      expect(await verifier().currentNonce()).toBeUndefined();
    });
  });

  it('bad options are a TypeError', () => {
    expect(() => new DPoPProofVerifier({} as never)).toThrow(TypeError);
    expect(() => verifier({ algorithms: ['HS256'] })).toThrow(TypeError);
    expect(() => verifier({ algorithms: [] })).toThrow(TypeError);
    expect(() => verifier({ iatWindow: 0 })).toThrow(TypeError);
    expect(() => verifier({ nonce: { secret: 'short' } })).toThrow(TypeError);
    expect(() => verifier({ nonce: { secret: SECRET, lifetime: 0 } })).toThrow(TypeError);
  });

  it('errorResponse: a DPoPError at a token endpoint is 400 with its body, and DPoP-Nonce when it has a nonce', async () => {
    const res = errorResponse(new DPoPError('use_dpop_nonce', 'A DPoP nonce is required', { nonce: 'n-1' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('dpop-nonce')).toBe('n-1');
    expect(await res.json()).toEqual({ error: 'use_dpop_nonce', error_description: 'A DPoP nonce is required' });
    expect(errorResponse(new DPoPError('invalid_dpop_proof')).headers.has('dpop-nonce')).toBe(false);
  });
});
