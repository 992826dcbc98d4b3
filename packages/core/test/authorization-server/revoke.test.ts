import { describe, expect, it } from 'vitest';
import type { OAuthToken } from '../../src/index.js';
import { authorize, basic, direct, form, redeem, register, type Direct } from './fixtures.js';

async function expectGrant(d: Direct, metadata: Record<string, unknown> = {}) {
  const client = await register(d, metadata);
  const { params, verifier } = await authorize(d, client.client_id);
  const post = client['token_endpoint_auth_method'] === 'client_secret_post';
  const auth = client.client_secret && !post ? basic(client.client_id, client.client_secret) : {};
  const res = await redeem(d, client.client_id, params.get('code')!, verifier, post ? { client_secret: client.client_secret! } : {}, auth);
  expect(res.status).toBe(200);
  return { client, auth, tokens: (await res.json()) as OAuthToken };
}

function revoke(d: Direct, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return d.fetch('/revoke', form(params, headers));
}

async function expectError(res: Response, error: string, status = 400): Promise<void> {
  expect(res.status).toBe(status);
  expect(((await res.json()) as { error: string }).error).toBe(error);
}

describe('revocation endpoint (RFC 7009)', () => {
  it('revoking the access token revokes its refresh token too', async () => {
    const d = direct();
    const { client, tokens } = await expectGrant(d);
    const res = await revoke(d, { token: tokens.access_token, client_id: client.client_id, token_type_hint: 'access_token' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await d.provider.loadAccessToken(tokens.access_token)).toBeNull();
    const cl = (await d.provider.getClient(client.client_id))!;
    expect(await d.provider.loadRefreshToken(cl, tokens.refresh_token!)).toBeNull();
  });

  it('revoking the refresh token revokes the access token too (confidential client, Basic)', async () => {
    const d = direct();
    const { auth, tokens } = await expectGrant(d, { token_endpoint_auth_method: 'client_secret_basic' });
    expect((await revoke(d, { token: tokens.refresh_token! }, auth)).status).toBe(200);
    expect(await d.provider.loadAccessToken(tokens.access_token)).toBeNull();
  });

  it('answers 200 for an unknown token', async () => {
    const d = direct();
    const client = await register(d);
    expect((await revoke(d, { token: 'never-issued', client_id: client.client_id })).status).toBe(200);
  });

  it('does not revoke a token issued to another client, and answers 200', async () => {
    const d = direct();
    const { tokens } = await expectGrant(d);
    const other = await register(d);
    expect((await revoke(d, { token: tokens.access_token, client_id: other.client_id })).status).toBe(200);
    expect((await revoke(d, { token: tokens.refresh_token!, client_id: other.client_id })).status).toBe(200);
    expect(await d.provider.loadAccessToken(tokens.access_token)).not.toBeNull();
  });

  it('requires client authentication', async () => {
    const d = direct();
    const { client, tokens } = await expectGrant(d, { token_endpoint_auth_method: 'client_secret_post' });
    await expectError(await revoke(d, { token: tokens.access_token }), 'invalid_client', 401);
    await expectError(await revoke(d, { token: tokens.access_token, client_id: client.client_id }), 'invalid_client', 401);
    await expectError(
      await revoke(d, { token: tokens.access_token, client_id: client.client_id, client_secret: 'wrong' }),
      'invalid_client',
      401,
    );
    const basicFail = await revoke(d, { token: tokens.access_token }, basic(client.client_id, 'wrong'));
    expect(basicFail.headers.get('www-authenticate')).toContain('Basic');
    expect(await d.provider.loadAccessToken(tokens.access_token)).not.toBeNull();
  });

  it('refuses malformed requests', async () => {
    const d = direct();
    const client = await register(d);
    await expectError(await revoke(d, { client_id: client.client_id }), 'invalid_request');
    await expectError(
      await d.fetch('/revoke', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }),
      'invalid_request',
    );
    await expectError(
      await d.fetch('/revoke', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `client_id=${client.client_id}&token=a&token=b`,
      }),
      'invalid_request',
    );
    await expectError(await revoke(d, { client_id: client.client_id, token: 'x'.repeat(20_000) }), 'invalid_request', 413);
    expect((await d.fetch('/revoke')).status).toBe(405);
    expect((await d.fetch('/revoke', { method: 'OPTIONS' })).status).toBe(204);
  });
});
