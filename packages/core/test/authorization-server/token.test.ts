import { SignJWT, generateKeyPair, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  StoreOAuthProvider,
  TokenError,
  type IdentityAssertionParams,
  type OAuthClientInformationFull,
  type OAuthToken,
} from '../../src/index.js';
import { JWT_BEARER_GRANT_TYPE } from '../../src/protocols/provider.js';
import { REDIRECT, SCOPE, authorize, basic, codeFor, direct, form, redeem, register, type Direct } from './fixtures.js';

async function expectError(res: Response, error: string, status = 400): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  const body = (await res.json()) as { error: string; error_description?: string };
  expect(body.error).toBe(error);
  return body.error_description ?? '';
}

async function expectTokens(res: Response): Promise<OAuthToken> {
  expect(res.status).toBe(200);
  return (await res.json()) as OAuthToken;
}

function refresh(d: Direct, clientId: string, refreshToken: string, extra: Record<string, string> = {}): Promise<Response> {
  return d.fetch('/token', form({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, ...extra }));
}

describe('token endpoint: authorization_code', () => {
  it('exchanges a code for tokens bound to the client, scope and resource', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    const res = await redeem(d, client.client_id, code, verifier);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = await expectTokens(res);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: SCOPE });
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const access = await d.provider.loadAccessToken(body.access_token);
    expect(access).toMatchObject({ clientId: client.client_id, scopes: [SCOPE], resource: d.resourceUrl, subject: 'dev-user' });
    expect(access?.claims).toMatchObject({ iss: d.issuer, aud: d.resourceUrl, sub: 'dev-user' });
  });

  it('refuses a replayed code and revokes the tokens issued from it', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    const first = await expectTokens(await redeem(d, client.client_id, code, verifier));
    expect(await d.provider.loadAccessToken(first.access_token)).not.toBeNull();
    await expectError(await redeem(d, client.client_id, code, verifier), 'invalid_grant');
    expect(await d.provider.loadAccessToken(first.access_token)).toBeNull();
    await expectError(await refresh(d, client.client_id, first.refresh_token!), 'invalid_grant');
  });

  it('refuses an expired code', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    d.clock.advance(301);
    expect(await expectError(await redeem(d, client.client_id, code, verifier), 'invalid_grant')).toContain('invalid');
  });

  it('refuses a code past its expiry by the server clock even while the store still holds it', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    const stored = await d.provider.loadAuthorizationCode((await d.provider.getClient(client.client_id))!, code);
    expect(stored).not.toBeNull();
    // A second server on the same store whose clock is past the code's expiry: its own check refuses.
    const server = direct({ store: d.store, server: { now: () => d.clock.seconds + 301 } });
    expect(await expectError(await redeem(server, client.client_id, code, verifier), 'invalid_grant')).toBe(
      'The authorization code has expired',
    );
  });

  it('refuses a PKCE verifier that does not match, and a malformed one', async () => {
    const d = direct();
    const { client, code } = await codeFor(d);
    const other = await authorize(d, client.client_id);
    expect(await expectError(await redeem(d, client.client_id, code, other.verifier), 'invalid_grant')).toContain('PKCE');
    expect(await expectError(await redeem(d, client.client_id, code, 'short'), 'invalid_grant')).toContain('PKCE');
    expect(await expectError(await redeem(d, client.client_id, code, ''), 'invalid_request')).toContain('code_verifier');
  });

  it('refuses a redirect_uri different from the authorization request, or missing when it was sent', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    await expectError(
      await redeem(d, client.client_id, code, verifier, { redirect_uri: 'http://127.0.0.1:7778/callback' }),
      'invalid_grant',
    );
    await expectError(
      await redeem(d, client.client_id, code, verifier, { redirect_uri: 'http://localhost@evil.example/callback' }),
      'invalid_grant',
    );
    await expectError(await redeem(d, client.client_id, code, verifier, { redirect_uri: '' }), 'invalid_grant');
    await expectTokens(await redeem(d, client.client_id, code, verifier));
  });

  it('refuses a code presented by another client', async () => {
    const d = direct();
    const { code, verifier } = await codeFor(d);
    const other = await register(d);
    await expectError(await redeem(d, other.client_id, code, verifier), 'invalid_grant');
  });

  it('refuses a resource other than the one the code is bound to', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    await expectError(await redeem(d, client.client_id, code, verifier, { resource: 'https://other.example.com/mcp' }), 'invalid_target');
    await expectTokens(await redeem(d, client.client_id, code, verifier, { resource: `${d.resourceUrl}?kb_name=docs` }));
  });

  it('issues no refresh token to a client without the refresh_token grant', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d, { grant_types: ['authorization_code'] });
    const body = await expectTokens(await redeem(d, client.client_id, code, verifier));
    expect(body.refresh_token).toBeUndefined();
  });
});

describe('token endpoint: client authentication', () => {
  async function confidential(d: Direct, method: 'client_secret_basic' | 'client_secret_post') {
    const client = await register(d, { token_endpoint_auth_method: method });
    const { params, verifier } = await authorize(d, client.client_id);
    return { client, secret: client.client_secret!, code: params.get('code')!, verifier };
  }

  it('accepts client_secret_basic with form-encoded credentials', async () => {
    const d = direct();
    const { client, secret, code, verifier } = await confidential(d, 'client_secret_basic');
    await expectTokens(await redeem(d, client.client_id, code, verifier, {}, basic(client.client_id, secret)));
  });

  it('accepts client_secret_post', async () => {
    const d = direct();
    const { client, secret, code, verifier } = await confidential(d, 'client_secret_post');
    await expectTokens(await redeem(d, client.client_id, code, verifier, { client_secret: secret }));
  });

  it('refuses a wrong secret: 401 with a Basic challenge for Basic', async () => {
    const d = direct();
    const { client, secret, code, verifier } = await confidential(d, 'client_secret_basic');
    const res = await redeem(d, client.client_id, code, verifier, {}, basic(client.client_id, `${secret}x`));
    expect(res.headers.get('www-authenticate')).toContain('Basic');
    await expectError(res, 'invalid_client', 401);
    await expectError(await redeem(d, client.client_id, code, verifier, {}, basic(client.client_id, '')), 'invalid_client', 401);
    // The code is still usable by the real client.
    await expectTokens(await redeem(d, client.client_id, code, verifier, {}, basic(client.client_id, secret)));
  });

  it('refuses a wrong secret with client_secret_post', async () => {
    const d = direct();
    const { client, code, verifier } = await confidential(d, 'client_secret_post');
    const res = await redeem(d, client.client_id, code, verifier, { client_secret: 'nope' });
    expect(res.headers.get('www-authenticate')).toBeNull();
    await expectError(res, 'invalid_client', 401);
  });

  it('refuses a confidential client without a secret, and a method other than the registered one', async () => {
    const d = direct();
    const { client, secret, code, verifier } = await confidential(d, 'client_secret_basic');
    await expectError(await redeem(d, client.client_id, code, verifier), 'invalid_client', 401);
    await expectError(await redeem(d, client.client_id, code, verifier, { client_secret: secret }), 'invalid_client', 401);
  });

  it('refuses a secret presented for a public client', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    await expectError(await redeem(d, client.client_id, code, verifier, { client_secret: 'anything' }), 'invalid_client', 401);
  });

  it('refuses two authentication methods at once, and a client_id that differs from the Basic one', async () => {
    const d = direct();
    const { client, secret, code, verifier } = await confidential(d, 'client_secret_basic');
    await expectError(
      await redeem(d, client.client_id, code, verifier, { client_secret: secret }, basic(client.client_id, secret)),
      'invalid_request',
    );
    await expectError(await redeem(d, 'someone-else', code, verifier, {}, basic(client.client_id, secret)), 'invalid_request');
  });

  it.each([
    ['not base64', 'Basic !!!'],
    ['no colon', `Basic ${btoa('justid')}`],
    ['bad percent-encoding', `Basic ${btoa('%zz:secret')}`],
    ['another scheme', 'Bearer abc'],
  ])('refuses a malformed Authorization header (%s)', async (_name, header) => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    await expectError(await redeem(d, client.client_id, code, verifier, {}, { Authorization: header }), 'invalid_client', 401);
  });

  it('refuses an unknown client and a request naming no client', async () => {
    const d = direct();
    const { code, verifier } = await codeFor(d);
    await expectError(await redeem(d, 'unknown', code, verifier), 'invalid_client', 401);
    await expectError(await redeem(d, '', code, verifier), 'invalid_client', 401);
  });

  it('refuses an expired client secret', async () => {
    const d = direct({ server: { clientRegistration: { clientSecretExpiresIn: 60 } } });
    const { client, secret, code, verifier } = await confidential(d, 'client_secret_post');
    d.clock.advance(61);
    expect(
      await expectError(await redeem(d, client.client_id, code, verifier, { client_secret: secret }), 'invalid_client', 401),
    ).toContain('expired');
  });
});

describe('token endpoint: request format', () => {
  it.each([
    ['JSON', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"grant_type":"authorization_code"}' }],
    ['no content type', { method: 'POST', body: 'grant_type=authorization_code' }],
    ['multipart', { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x--' }],
    [
      'invalid UTF-8',
      { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new Uint8Array([0x67, 0xff, 0x3d]) },
    ],
    ['an oversized body', form({ grant_type: 'authorization_code', code: 'x'.repeat(20_000) }), 413],
    ['no grant_type', form({ code: 'abc' })],
  ])('refuses %s with invalid_request', async (_name, init, status = 400) => {
    const d = direct();
    await expectError(await d.fetch('/token', init as RequestInit), 'invalid_request', status);
  });

  it('refuses a parameter sent twice', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    const body = `${new URLSearchParams({ grant_type: 'authorization_code', client_id: client.client_id, code, code_verifier: verifier, redirect_uri: REDIRECT })}&code=${code}`;
    const description = await expectError(
      await d.fetch('/token', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body }),
      'invalid_request',
    );
    expect(description).toContain('code');
    // Not consumed by the refused request.
    await expectTokens(await redeem(d, client.client_id, code, verifier));
  });

  it('accepts a charset parameter on the content type', async () => {
    const d = direct();
    const { client, code, verifier } = await codeFor(d);
    await expectTokens(
      await redeem(d, client.client_id, code, verifier, {}, { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' }),
    );
  });

  it('refuses unknown grant types, and password / client_credentials', async () => {
    const d = direct();
    const client = await register(d);
    for (const grant of ['password', 'client_credentials', 'implicit', '__proto__', JWT_BEARER_GRANT_TYPE]) {
      await expectError(await d.fetch('/token', form({ grant_type: grant, client_id: client.client_id })), 'unsupported_grant_type');
    }
  });

  it('answers preflight and 405', async () => {
    const d = direct();
    expect((await d.fetch('/token', { method: 'OPTIONS' })).status).toBe(204);
    const get = await d.fetch('/token');
    expect(get.status).toBe(405);
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('turns a provider failure into a 500 server_error without details', async () => {
    const seen: unknown[] = [];
    const d = direct({ server: { onError: (e) => seen.push(e) } });
    const { client, code, verifier } = await codeFor(d);
    d.provider.exchangeAuthorizationCode = async () => {
      throw new Error('disk full at /var/secret');
    };
    const description = await expectError(await redeem(d, client.client_id, code, verifier), 'server_error', 500);
    expect(description).not.toContain('disk');
    expect(seen).toHaveLength(1);
  });
});

describe('token endpoint: refresh_token', () => {
  async function issued(d: Direct, scope = `${SCOPE} mcp:admin`) {
    const client = await register(d);
    const { params, verifier } = await authorize(d, client.client_id, { scope });
    const body = await expectTokens(await redeem(d, client.client_id, params.get('code')!, verifier));
    return { client, body };
  }

  it('rotates the refresh token and keeps the grant', async () => {
    const d = direct();
    const { client, body } = await issued(d);
    const next = await expectTokens(await refresh(d, client.client_id, body.refresh_token!));
    expect(next.refresh_token).not.toBe(body.refresh_token);
    expect(next.scope).toBe(`${SCOPE} mcp:admin`);
    expect(await d.provider.loadAccessToken(next.access_token)).toMatchObject({ resource: d.resourceUrl, subject: 'dev-user' });
  });

  it('narrows the access token scope; the new refresh token keeps the grant (RFC 6749 §6), which cannot be widened', async () => {
    const d = direct();
    const { client, body } = await issued(d);
    const narrowed = await expectTokens(await refresh(d, client.client_id, body.refresh_token!, { scope: SCOPE }));
    expect(narrowed.scope).toBe(SCOPE);
    expect(await d.provider.loadAccessToken(narrowed.access_token)).toMatchObject({ scopes: [SCOPE] });
    const again = await expectTokens(await refresh(d, client.client_id, narrowed.refresh_token!, { scope: `${SCOPE} mcp:admin` }));
    expect(again.scope).toBe(`${SCOPE} mcp:admin`);
    await expectError(await refresh(d, client.client_id, again.refresh_token!, { scope: `${SCOPE} mcp:other` }), 'invalid_scope');
  });

  it('treats reuse of a rotated refresh token as theft: the whole grant is revoked', async () => {
    const d = direct();
    const { client, body } = await issued(d);
    const next = await expectTokens(await refresh(d, client.client_id, body.refresh_token!));
    await expectError(await refresh(d, client.client_id, body.refresh_token!), 'invalid_grant');
    expect(await d.provider.loadAccessToken(next.access_token)).toBeNull();
    await expectError(await refresh(d, client.client_id, next.refresh_token!), 'invalid_grant');
  });

  it('refuses a refresh token of another client, an unknown one, and an expired one', async () => {
    const d = direct();
    const { client, body } = await issued(d);
    const other = await register(d);
    await expectError(await refresh(d, other.client_id, body.refresh_token!), 'invalid_grant');
    await expectError(await refresh(d, client.client_id, 'not-a-token'), 'invalid_grant');
    d.clock.advance(30 * 86_400 + 1);
    await expectError(await refresh(d, client.client_id, body.refresh_token!), 'invalid_grant');
  });

  it('refuses a foreign resource', async () => {
    const d = direct();
    const { client, body } = await issued(d);
    await expectError(
      await refresh(d, client.client_id, body.refresh_token!, { resource: 'https://other.example.com/' }),
      'invalid_target',
    );
  });

  it('refuses the grant for a client not registered for it', async () => {
    const d = direct();
    const client = await register(d, { grant_types: ['authorization_code'] });
    await expectError(await refresh(d, client.client_id, 'whatever'), 'unauthorized_client');
  });
});

/** A provider that accepts SEP-990 ID-JAGs signed by one enterprise IdP key. */
class IdJagProvider extends StoreOAuthProvider {
  idpKey!: CryptoKey;
  calls: IdentityAssertionParams[] = [];

  override async exchangeIdentityAssertion(client: OAuthClientInformationFull, params: IdentityAssertionParams): Promise<OAuthToken> {
    this.calls.push(params);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(params.assertion, this.idpKey, {
        issuer: 'https://idp.example.com',
        audience: this.issuer,
        typ: 'oauth-id-jag+jwt',
      }));
    } catch {
      throw new TokenError('invalid_grant', 'The identity assertion is invalid');
    }
    if (payload['client_id'] !== client.client_id) throw new TokenError('invalid_grant', 'The assertion was issued to another client');
    return {
      access_token: `issued-for-${String(payload.sub)}`,
      token_type: 'Bearer',
      expires_in: 300,
      scope: (params.scopes ?? []).join(' '),
    };
  }
}

describe('token endpoint: jwt-bearer grant (SEP-990)', () => {
  async function setup() {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const d = direct({
      makeProvider: (o) => {
        const p = new IdJagProvider(o);
        p.idpKey = publicKey;
        return p;
      },
    });
    const provider = d.provider as IdJagProvider;
    const idJag = (clientId: string) =>
      new SignJWT({ client_id: clientId, resource: d.resourceUrl })
        .setProtectedHeader({ alg: 'ES256', typ: 'oauth-id-jag+jwt' })
        .setIssuer('https://idp.example.com')
        .setAudience(d.issuer)
        .setSubject('alice')
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(crypto.randomUUID())
        .sign(privateKey);
    return { d, provider, idJag };
  }

  it('exchanges an ID-JAG for a confidential client', async () => {
    const { d, provider, idJag } = await setup();
    const client = await register(d, { token_endpoint_auth_method: 'client_secret_basic', grant_types: [JWT_BEARER_GRANT_TYPE] });
    const res = await d.fetch(
      '/token',
      form(
        { grant_type: JWT_BEARER_GRANT_TYPE, assertion: await idJag(client.client_id), scope: SCOPE },
        basic(client.client_id, client.client_secret!),
      ),
    );
    expect(await expectTokens(res)).toMatchObject({ access_token: 'issued-for-alice', scope: SCOPE });
    expect(provider.calls[0]).toMatchObject({ scopes: [SCOPE], resource: d.resourceUrl });
  });

  it('refuses public clients, unregistered grant types, bad assertions and unknown scopes', async () => {
    const { d, provider, idJag } = await setup();
    const publicClient = await register(d);
    await d.provider.registerClient({ ...(await d.provider.getClient(publicClient.client_id))!, grant_types: [JWT_BEARER_GRANT_TYPE] });
    await expectError(
      await d.fetch(
        '/token',
        form({ grant_type: JWT_BEARER_GRANT_TYPE, client_id: publicClient.client_id, assertion: await idJag(publicClient.client_id) }),
      ),
      'unauthorized_client',
    );

    const codeOnly = await register(d, { token_endpoint_auth_method: 'client_secret_post' });
    await expectError(
      await d.fetch(
        '/token',
        form({
          grant_type: JWT_BEARER_GRANT_TYPE,
          client_id: codeOnly.client_id,
          client_secret: codeOnly.client_secret!,
          assertion: await idJag(codeOnly.client_id),
        }),
      ),
      'unauthorized_client',
    );

    const client = await register(d, { token_endpoint_auth_method: 'client_secret_post', grant_types: [JWT_BEARER_GRANT_TYPE] });
    const auth = { client_id: client.client_id, client_secret: client.client_secret! };
    await expectError(await d.fetch('/token', form({ grant_type: JWT_BEARER_GRANT_TYPE, ...auth })), 'invalid_request');
    await expectError(
      await d.fetch('/token', form({ grant_type: JWT_BEARER_GRANT_TYPE, ...auth, assertion: await idJag('someone-else') })),
      'invalid_grant',
    );
    await expectError(
      await d.fetch('/token', form({ grant_type: JWT_BEARER_GRANT_TYPE, ...auth, assertion: 'not.a.jwt' })),
      'invalid_grant',
    );
    await expectError(
      await d.fetch(
        '/token',
        form({ grant_type: JWT_BEARER_GRANT_TYPE, ...auth, assertion: await idJag(client.client_id), scope: 'root' }),
      ),
      'invalid_scope',
    );
    await expectError(
      await d.fetch(
        '/token',
        form({ grant_type: JWT_BEARER_GRANT_TYPE, ...auth, assertion: await idJag(client.client_id), resource: 'https://x.example.com/' }),
      ),
      'invalid_target',
    );
    expect(provider.calls).toHaveLength(2);
  });
});

describe('token endpoint: no oracle for client ids', () => {
  it('answers an unknown client, a wrong method and a wrong secret with one invalid_client body', async () => {
    const d = direct();
    const confidential = await register(d, { token_endpoint_auth_method: 'client_secret_basic' });
    const publicClient = await register(d);
    const body = { grant_type: 'authorization_code', code: 'c', code_verifier: 'v'.repeat(43) };
    const answers = await Promise.all([
      d.fetch('/token', form({ ...body, client_id: 'no-such-client' })),
      d.fetch('/token', form(body, basic('no-such-client', 'secret'))),
      d.fetch('/token', form({ ...body, client_id: confidential.client_id })),
      d.fetch('/token', form(body, basic(confidential.client_id, 'wrong-secret'))),
      d.fetch('/token', form({ ...body, client_id: confidential.client_id, client_secret: confidential.client_secret! })),
      d.fetch('/token', form(body, basic(publicClient.client_id, 'any'))),
    ]);
    const descriptions = await Promise.all(answers.map((res) => expectError(res, 'invalid_client', 401)));
    expect(new Set(descriptions)).toEqual(new Set(['Client authentication failed']));
  });
});
