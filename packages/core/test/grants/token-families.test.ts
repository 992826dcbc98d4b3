import { describe, expect, it } from 'vitest';
import { grantCollections, type GrantRecord } from '../../src/grants/records.js';
import { TokenFamilies, type TokenFamiliesOptions } from '../../src/grants/token-families.js';
import { MemoryStore, StorageFullError, TokenError, UpstreamError, type OAuthToken } from '../../src/index.js';
import { randomToken } from '../../src/lib/crypto.js';

interface Extra {
  setId: string;
}

/** Token families on a memory store with a settable clock; opaque tokens stored under their own value. */
function families(options: Partial<TokenFamiliesOptions<Extra>> & { maxEntriesPerCollection?: number } = {}) {
  const clock = { seconds: 1_000_000 };
  const now = () => clock.seconds;
  const store = new MemoryStore({ now, maxEntriesPerCollection: options.maxEntriesPerCollection });
  const revoked: GrantRecord<Extra>[] = [];
  const collections = grantCollections<Extra>(store, 'test.');
  const f = new TokenFamilies<Extra>({
    collections,
    mint: async (kind) => {
      const token = `${kind}-${randomToken(16)}`;
      return { token, id: token };
    },
    accessTokenTtl: 600,
    now,
    onRevoke: async (family) => {
      revoked.push(family);
    },
    ...options,
  });
  const grant = (refreshExpiresIn = 3600) => ({
    clientId: 'client-a',
    scopes: ['read', 'write'],
    subject: 'alice',
    setId: 'set-1',
    refreshExpiresAt: clock.seconds + refreshExpiresIn,
  });
  return { f, clock, store, revoked, grant, collections };
}

async function expectInvalidGrant(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(TokenError);
  await expect(promise).rejects.toMatchObject({ error: 'invalid_grant' });
}

describe('TokenFamilies', () => {
  it('starts a grant: its access token finds the grant, its refresh token only for its client', async () => {
    const { f, grant } = families();
    const token = await f.start('fam-1', grant(), true);
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'read write' });
    expect(await f.loadAccess(token.access_token)).toMatchObject({
      familyId: 'fam-1',
      family: { clientId: 'client-a', subject: 'alice', setId: 'set-1' },
      access: { scopes: ['read', 'write'] },
    });
    expect(await f.loadRefresh(token.refresh_token!, 'client-a')).toMatchObject({ familyId: 'fam-1' });
    expect(await f.loadRefresh(token.refresh_token!, 'client-b')).toBeNull();
  });

  it('issues no refresh token when told not to, and never an access token past the grant', async () => {
    const { f, grant } = families();
    const token = await f.start('fam-1', grant(100), false);
    expect(token.refresh_token).toBeUndefined();
    expect(token.expires_in).toBe(100);
  });

  it('rotates: a new refresh token with the grant scopes, an access token with the narrowed ones', async () => {
    const { f, grant } = families();
    const first = await f.start('fam-1', grant(), true);
    const next = await f.rotate(first.refresh_token!, 'client-a', ['read']);
    expect(next.refresh_token).not.toBe(first.refresh_token);
    expect(next.scope).toBe('read');
    expect((await f.loadAccess(next.access_token))?.access.scopes).toEqual(['read']);
    expect((await f.loadRefresh(next.refresh_token!, 'client-a'))?.family.scopes).toEqual(['read', 'write']);
    // the previous access token lives on until it expires; the previous refresh token is spent
    expect(await f.loadAccess(first.access_token)).not.toBeNull();
  });

  it('a rotated refresh token presented again revokes the whole grant, once', async () => {
    const { f, grant, revoked } = families();
    const first = await f.start('fam-1', grant(), true);
    const next = await f.rotate(first.refresh_token!, 'client-a', ['read']);
    await expectInvalidGrant(f.rotate(first.refresh_token!, 'client-a', ['read']));
    expect(await f.loadAccess(next.access_token)).toBeNull();
    expect(await f.loadRefresh(next.refresh_token!, 'client-a')).toBeNull();
    expect(await f.loadRefresh(first.refresh_token!, 'client-a')).toBeNull();
    expect(revoked.map((r) => r.setId)).toEqual(['set-1']);
  });

  it('loading a rotated refresh token revokes the grant too', async () => {
    const { f, grant } = families();
    const first = await f.start('fam-1', grant(), true);
    const next = await f.rotate(first.refresh_token!, 'client-a', ['read']);
    expect(await f.loadRefresh(first.refresh_token!, 'client-a')).toBeNull();
    expect(await f.loadAccess(next.access_token)).toBeNull();
  });

  it('one refresh token presented twice at once: neither gets tokens and the grant is revoked', async () => {
    const { f, grant, revoked } = families();
    const first = await f.start('fam-1', grant(), true);
    const results = await Promise.allSettled([
      f.rotate(first.refresh_token!, 'client-a', ['read']),
      f.rotate(first.refresh_token!, 'client-a', ['read']),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await f.loadAccess(first.access_token)).toBeNull();
    expect(revoked).toHaveLength(1);
  });

  it('a refusal before issuing (TokenError) revokes the grant; an outage puts the refresh token back', async () => {
    const { f, grant } = families();
    const first = await f.start('fam-1', grant(), true);
    const outage = new UpstreamError('timeout', 'the identity provider did not answer');
    await expect(f.rotate(first.refresh_token!, 'client-a', ['read'], () => Promise.reject(outage))).rejects.toBe(outage);
    const next = await f.rotate(first.refresh_token!, 'client-a', ['read']);
    const refusal = new TokenError('invalid_grant', 'refused upstream');
    await expect(f.rotate(next.refresh_token!, 'client-a', ['read'], () => Promise.reject(refusal))).rejects.toBe(refusal);
    expect(await f.loadAccess(next.access_token)).toBeNull();
  });

  it('a grant revoked while its refresh runs upstream issues nothing', async () => {
    const { f, grant } = families();
    const first = await f.start('fam-1', grant(), true);
    await expectInvalidGrant(f.rotate(first.refresh_token!, 'client-a', ['read'], () => f.revoke('fam-1')));
    expect(await f.loadAccess(first.access_token)).toBeNull();
  });

  it('a grant revoked before it started (a code replay racing its exchange) is dead on arrival; onRevoke still runs', async () => {
    const { f, grant, revoked } = families();
    await f.revoke('fam-1');
    expect(revoked).toHaveLength(0);
    const token = await f.start('fam-1', grant(), true);
    expect(await f.loadAccess(token.access_token)).toBeNull();
    expect(await f.loadRefresh(token.refresh_token!, 'client-a')).toBeNull();
    expect(revoked.map((r) => r.setId)).toEqual(['set-1']);
  });

  it('a full store refuses the rotation and keeps the refresh token and the grant usable', async () => {
    const { f, grant, store } = families({ maxEntriesPerCollection: 2 });
    const first = await f.start('fam-1', grant(), true);
    await store.set('test.access:filler', 'x', { ttlSeconds: 600 });
    await expect(f.rotate(first.refresh_token!, 'client-a', ['read'])).rejects.toBeInstanceOf(StorageFullError);
    expect(await f.loadAccess(first.access_token)).not.toBeNull();
    await store.delete('test.access:filler');
    const next: OAuthToken = await f.rotate(first.refresh_token!, 'client-a', ['read']);
    expect(await f.loadAccess(next.access_token)).not.toBeNull();
  });

  it('keeps the grant expiry fixed by default, and renews it on each rotation with slidingRefreshTtl', async () => {
    const fixed = families();
    let token = await fixed.f.start('fam-1', fixed.grant(1000), true);
    fixed.clock.seconds += 600;
    token = await fixed.f.rotate(token.refresh_token!, 'client-a', ['read']);
    expect(token.expires_in).toBe(400);
    fixed.clock.seconds += 401;
    await expectInvalidGrant(fixed.f.rotate(token.refresh_token!, 'client-a', ['read']));

    const sliding = families({ slidingRefreshTtl: 1000 });
    let renewed = await sliding.f.start('fam-1', sliding.grant(1000), true);
    for (let i = 0; i < 3; i++) {
      sliding.clock.seconds += 600;
      renewed = await sliding.f.rotate(renewed.refresh_token!, 'client-a', ['read']);
    }
    expect(renewed.expires_in).toBe(600);
  });

  it('binds a grant to a DPoP key: DPoP token type, the key handed to the minted access token, a refresh with a proof rebinds', async () => {
    const minted: (string | undefined)[] = [];
    const { f, grant } = families({
      mint: async (kind, claims) => {
        if (kind === 'access') minted.push(claims.dpopJkt);
        const token = `${kind}-${randomToken(16)}`;
        return { token, id: token };
      },
    });
    const first = await f.start('fam-1', { ...grant(), dpopJkt: 'jkt-1' }, true);
    expect(first.token_type).toBe('DPoP');
    const kept = await f.rotate(first.refresh_token!, 'client-a', ['read']);
    const rebound = await f.rotate(kept.refresh_token!, 'client-a', ['read'], undefined, 'jkt-2');
    expect(rebound.token_type).toBe('DPoP');
    expect(minted).toEqual(['jkt-1', 'jkt-1', 'jkt-2']);
    expect((await f.loadRefresh(rebound.refresh_token!, 'client-a'))?.family.dpopJkt).toBe('jkt-2');
    expect((await f.start('fam-2', grant(), true)).token_type).toBe('Bearer');
  });

  it('revokes a grant through either of its tokens, and ignores unknown ones', async () => {
    const { f, grant } = families();
    const a = await f.start('fam-a', grant(), true);
    const b = await f.start('fam-b', grant(), true);
    await f.revokeToken('never-issued');
    await f.revokeToken(a.access_token, 'refresh');
    expect(await f.loadAccess(a.access_token)).not.toBeNull();
    await f.revokeToken(a.access_token, 'access');
    expect(await f.loadRefresh(a.refresh_token!, 'client-a')).toBeNull();
    await f.revokeToken(b.refresh_token!);
    expect(await f.loadAccess(b.access_token)).toBeNull();
  });
});
