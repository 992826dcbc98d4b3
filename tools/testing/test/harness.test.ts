import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type OidcHarness } from '../src/index.js';

describe('oidc-provider harness', () => {
  let op: OidcHarness;
  beforeAll(async () => {
    op = await startOidcProvider({
      clients: [
        { client_id: 'svc', client_secret: 'svc-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
        {
          client_id: 'web',
          client_secret: 'web-secret',
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: ['http://127.0.0.1:9/cb'],
        },
      ],
    });
  });
  afterAll(() => op.close());

  it('issues JWT access tokens for a resource and rotates keys', async () => {
    const { access_token } = await op.clientCredentialsToken({ clientId: 'svc', clientSecret: 'svc-secret', scope: 'read' });
    expect(decodeJwt(access_token)).toMatchObject({ aud: 'urn:test:api', iss: op.issuer, scope: 'read', client_id: 'svc' });
    const kid1 = decodeProtectedHeader(access_token).kid;
    await op.rotateKeys();
    const second = await op.clientCredentialsToken({ clientId: 'svc', clientSecret: 'svc-secret' });
    expect(decodeProtectedHeader(second.access_token).kid).not.toBe(kid1);
    expect(op.publicKeys()).toHaveLength(2);
  });

  it('walks the development login to the client redirect with a code', async () => {
    const url = new URL(op.authorizationEndpoint);
    url.search = new URLSearchParams({
      client_id: 'web',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/cb',
      scope: 'openid offline_access',
      state: 's1',
      prompt: 'consent',
    }).toString();
    const back = await op.login(url);
    expect(back.origin).toBe('http://127.0.0.1:9');
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('state')).toBe('s1');
  });
});
