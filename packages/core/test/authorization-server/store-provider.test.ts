import { describe, expect, it } from 'vitest';
import { StoreOAuthProvider, JWTIssuer, MemoryStore, type KeyValueStore, type OAuthToken, type SetOptions } from '../../src/index.js';
import { authorize, direct, redeem, register, REDIRECT, SCOPE } from './fixtures.js';

/** A MemoryStore that also keeps every key and value ever written. */
class RecordingStore extends MemoryStore implements KeyValueStore {
  readonly written: string[] = [];
  override async set(key: string, value: string, options?: SetOptions): Promise<void> {
    this.written.push(key, value);
    return super.set(key, value, options);
  }
}

async function expectFullGrant(d: ReturnType<typeof direct>, metadata: Record<string, unknown> = {}, scope = SCOPE) {
  const client = await register(d, metadata);
  const { params, verifier } = await authorize(d, client.client_id, scope ? { scope } : { scope: '' });
  const code = params.get('code')!;
  const res = await redeem(d, client.client_id, code, verifier, client.client_secret ? { client_secret: client.client_secret } : {});
  expect(res.status).toBe(200);
  return { client, code, tokens: (await res.json()) as OAuthToken };
}

describe('StoreOAuthProvider', () => {
  it('never writes a code, token or client secret in clear to the store', async () => {
    const store = new RecordingStore();
    const d = direct({ store });
    const { client, code, tokens } = await expectFullGrant(d, { token_endpoint_auth_method: 'client_secret_post' });
    const refreshed = await d.fetch('/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: client.client_id,
        client_secret: client.client_secret!,
      }).toString(),
    });
    const next = (await refreshed.json()) as OAuthToken;
    const everything = store.written.join('\n');
    for (const secret of [
      code,
      tokens.access_token,
      tokens.refresh_token!,
      next.access_token,
      next.refresh_token!,
      client.client_secret!,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('keeps clients and refresh tokens across a restart on the same store', async () => {
    const store = new MemoryStore();
    const before = direct({ store });
    const { client, tokens } = await expectFullGrant(before);
    const after = direct({ store });
    expect(await after.provider.getClient(client.client_id)).toMatchObject({ client_id: client.client_id });
    expect(await after.provider.loadAccessToken(tokens.access_token)).not.toBeNull();
    const res = await after.fetch('/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: client.client_id,
      }).toString(),
    });
    expect(res.status).toBe(200);
  });

  it('issues JWTIssuer access tokens when configured, still revocable', async () => {
    const jwtIssuer = new JWTIssuer({
      issuer: 'http://127.0.0.1:9999',
      audience: 'http://127.0.0.1:9999/mcp',
      signingKey: new Uint8Array(32).fill(7),
    });
    const d = direct({ provider: { jwtIssuer } });
    const { client, tokens } = await expectFullGrant(d);
    const claims = await jwtIssuer.verifyToken(tokens.access_token, { expectedTokenUse: 'access' });
    expect(claims).toMatchObject({ client_id: client.client_id, scope: SCOPE, sub: 'dev-user' });
    expect(await d.provider.loadAccessToken(tokens.access_token)).toMatchObject({ clientId: client.client_id });
    const other = new JWTIssuer({
      issuer: 'http://127.0.0.1:9999',
      audience: 'http://127.0.0.1:9999/mcp',
      signingKey: new Uint8Array(32).fill(8),
    });
    const forged = await other.issueAccessToken({ clientId: client.client_id, scopes: [SCOPE], jti: 'x' });
    expect(await d.provider.loadAccessToken(forged)).toBeNull();
    await d.provider.revokeToken((await d.provider.loadAccessToken(tokens.access_token))!);
    expect(await d.provider.loadAccessToken(tokens.access_token)).toBeNull();
  });

  it('lets the approval hook set the subject and narrow the scopes', async () => {
    const d = direct({
      provider: { approve: (_client, params) => ({ subject: 'alice', scopes: (params.scopes ?? []).filter((s) => s !== 'mcp:admin') }) },
    });
    const { tokens } = await expectFullGrant(d, {}, `${SCOPE} mcp:admin`);
    expect(tokens.scope).toBe(SCOPE);
    expect(await d.provider.loadAccessToken(tokens.access_token)).toMatchObject({ subject: 'alice', scopes: [SCOPE] });
  });

  it('grants the client registration scope, or the default scopes, when the request names none', async () => {
    const d = direct({ provider: { defaultScopes: ['mcp:admin'] } });
    expect((await expectFullGrant(d, { scope: SCOPE }, '')).tokens.scope).toBe(SCOPE);
    expect((await expectFullGrant(d, {}, '')).tokens.scope).toBe('mcp:admin');
  });

  it('expires access tokens by its clock', async () => {
    const d = direct({ provider: { accessTokenTtl: 60 } });
    const { tokens } = await expectFullGrant(d);
    expect(tokens.expires_in).toBe(60);
    d.clock.advance(61);
    expect(await d.provider.loadAccessToken(tokens.access_token)).toBeNull();
  });

  it('refuses bad options', () => {
    expect(() => new StoreOAuthProvider(undefined as never)).toThrow(TypeError);
    expect(() => new StoreOAuthProvider({ issuerUrl: 'http://example.com' })).toThrow(TypeError);
    expect(() => new StoreOAuthProvider({ issuerUrl: 'https://a.example.com', codeTtl: 0 })).toThrow(TypeError);
    expect(() => new StoreOAuthProvider({ issuerUrl: 'https://a.example.com', accessTokenTtl: 1.5 })).toThrow(TypeError);
  });

  it('does not store a client secret handed to registerClient in clear', async () => {
    const provider = new StoreOAuthProvider({ issuerUrl: 'https://a.example.com' });
    await provider.registerClient({ client_id: 'c', client_secret: 'plain', redirect_uris: [REDIRECT] });
    expect((await provider.getClient('c'))?.client_secret).toBeUndefined();
  });
});
