import { describe, expect, it } from 'vitest';
import { AuthorizationCodes, type CodeRecordBase } from '../../src/grants/authorization-codes.js';
import { grantCollections } from '../../src/grants/records.js';
import { TokenFamilies } from '../../src/grants/token-families.js';
import { MemoryStore, StorageFullError, type OAuthToken } from '../../src/index.js';
import { collection } from '../../src/kit.js';
import { randomToken } from '../../src/lib/crypto.js';

interface Code extends CodeRecordBase {
  scopes: string[];
}

function codes(maxEntriesPerCollection?: number) {
  const clock = { seconds: 1_000_000 };
  const now = () => clock.seconds;
  const store = new MemoryStore({ now, maxEntriesPerCollection });
  const grants = grantCollections(store, 'test.');
  const families = new TokenFamilies({
    collections: grants,
    mint: async (kind) => {
      const token = `${kind}-${randomToken(16)}`;
      return { token, id: token };
    },
    accessTokenTtl: 600,
    now,
  });
  const c = new AuthorizationCodes<Code>({
    codes: collection(store, 'test.codes'),
    usedCodes: grants.usedCodes,
    families,
    codeTtl: 300,
    now,
  });
  const start = (familyId: string, code: Code): Promise<OAuthToken> =>
    families.start(familyId, { clientId: code.clientId, scopes: code.scopes, refreshExpiresAt: now() + 3600 }, true);
  const save = (key: string) => c.save(key, { clientId: 'client-a', scopes: ['read'], expiresAt: now() + 300 });
  return { c, families, clock, store, start, save };
}

describe('AuthorizationCodes', () => {
  it('loads a code for its client only, and redeems it once', async () => {
    const { c, families, start, save } = codes();
    await save('code-1');
    expect(await c.load('code-1', 'client-b')).toBeNull();
    expect(await c.load('code-1', 'client-a')).toMatchObject({ scopes: ['read'] });
    const token = await c.redeem('code-1', 'client-a', start);
    expect(await families.loadAccess(token.access_token)).toMatchObject({ familyId: await c.familyId('code-1') });
  });

  it('a code redeemed again is invalid_grant and revokes what it issued', async () => {
    const { c, families, start, save } = codes();
    await save('code-1');
    const token = await c.redeem('code-1', 'client-a', start);
    await expect(c.redeem('code-1', 'client-a', start)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await families.loadAccess(token.access_token)).toBeNull();
    expect(await families.loadRefresh(token.refresh_token!, 'client-a')).toBeNull();
  });

  it('a code loaded again after its exchange revokes what it issued', async () => {
    const { c, families, start, save } = codes();
    await save('code-1');
    const token = await c.redeem('code-1', 'client-a', start);
    expect(await c.load('code-1', 'client-a')).toBeNull();
    expect(await families.loadAccess(token.access_token)).toBeNull();
  });

  it('20 concurrent redemptions: exactly one gets tokens, and they are revoked by the replays', async () => {
    const { c, families, start, save } = codes();
    await save('code-1');
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => c.redeem('code-1', 'client-a', start)));
    const won = results.filter((r): r is PromiseFulfilledResult<OAuthToken> => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(await families.loadAccess(won[0]!.value.access_token)).toBeNull();
  });

  it('refuses a code of another client, an expired one, and an unknown one', async () => {
    const { c, clock, start, save } = codes();
    await save('code-1');
    await expect(c.redeem('code-1', 'client-b', start)).rejects.toMatchObject({ error: 'invalid_grant' });
    await save('code-2');
    clock.seconds += 301;
    await expect(c.redeem('code-2', 'client-a', start)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(c.redeem('never-issued', 'client-a', start)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('puts the code back when the store is full, so the client can retry', async () => {
    const { c, store, start, save } = codes(1);
    await save('code-1');
    await store.set('test.access:filler', 'x', { ttlSeconds: 600 });
    await expect(c.redeem('code-1', 'client-a', start)).rejects.toBeInstanceOf(StorageFullError);
    expect(await c.load('code-1', 'client-a')).not.toBeNull();
    await store.delete('test.access:filler');
    expect((await c.redeem('code-1', 'client-a', start)).access_token).toBeTruthy();
  });
});
