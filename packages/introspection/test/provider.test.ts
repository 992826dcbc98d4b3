import { ConfigurationError, type TokenInvalidError } from '@mcpauth/core';
import { startOidcProvider, type OidcHarness, type OidcHarnessOptions } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntrospectionTokenVerifier, type IntrospectionTokenVerifierOptions } from '../src/index.js';
import { reports, trackingFetch } from './helpers.js';

// Against a real oidc-provider issuing opaque access tokens, with introspection and revocation.

const RESOURCE = 'urn:test:api';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
// Resource-server credentials with characters that need form-encoding (RFC 6749 §2.3.1).
const RS_BASIC = { client_id: 'rs:basic client', client_secret: 'sec ret:+/%~!&=' };
const RS_POST = { client_id: 'rs-post', client_secret: 'post-secret' };
const APP = { client_id: 'app', client_secret: 'app-secret' };

const clients: NonNullable<OidcHarnessOptions['clients']> = [
  { ...RS_BASIC, token_endpoint_auth_method: 'client_secret_basic', grant_types: [], response_types: [], redirect_uris: [] },
  { ...RS_POST, token_endpoint_auth_method: 'client_secret_post', grant_types: [], response_types: [], redirect_uris: [] },
  { ...APP, grant_types: ['client_credentials', 'authorization_code'], response_types: ['code'], redirect_uris: [REDIRECT_URI] },
];

let harness: OidcHarness;

beforeAll(async () => {
  harness = await startOidcProvider({ accessTokenFormat: 'opaque', clients });
});
afterAll(() => harness?.close());

function setup(options: Partial<IntrospectionTokenVerifierOptions> = {}) {
  const { hook, errors } = reports();
  const verifier = new IntrospectionTokenVerifier({
    introspectionUrl: harness.introspectionEndpoint,
    clientId: RS_BASIC.client_id,
    clientSecret: RS_BASIC.client_secret,
    expectedAudience: RESOURCE,
    onInvalidToken: hook,
    ...options,
  } as IntrospectionTokenVerifierOptions);
  return { verifier, errors };
}

function appToken(scope = 'read write') {
  return harness.clientCredentialsToken({ clientId: APP.client_id, clientSecret: APP.client_secret, scope });
}

async function expectRevoked(token: string): Promise<void> {
  const res = await fetch(harness.revocationEndpoint, {
    method: 'POST',
    headers: { Authorization: `Basic ${btoa(`${APP.client_id}:${APP.client_secret}`)}` },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  expect(res.status).toBe(200);
}

/** An opaque access token for the end user "alice", through the authorization code flow. */
async function expectUserToken(): Promise<string> {
  const authorize = new URL(harness.authorizationEndpoint);
  authorize.search = new URLSearchParams({
    client_id: APP.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid read',
    resource: RESOURCE,
  }).toString();
  const callback = await harness.login(authorize, { login: 'alice' });
  const res = await fetch(harness.tokenEndpoint, {
    method: 'POST',
    headers: { Authorization: `Basic ${btoa(`${APP.client_id}:${APP.client_secret}`)}` },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: REDIRECT_URI,
      resource: RESOURCE,
    }),
  });
  const body = (await res.json()) as { access_token: string };
  expect(res.status).toBe(200);
  return body.access_token;
}

describe('an active token', () => {
  it.each([
    ['client_secret_basic', RS_BASIC, 'client_secret_basic'],
    ['client_secret_post', RS_POST, 'client_secret_post'],
  ] as const)('is accepted with its scopes and client (%s)', async (_name, rs, clientAuthMethod) => {
    const issued = await appToken();
    const { verifier, errors } = setup({
      clientId: rs.client_id,
      clientSecret: rs.client_secret,
      clientAuthMethod,
      requiredScopes: ['read'],
      expectedAudience: RESOURCE,
      expectedIssuer: harness.issuer,
    });

    const token = await verifier.verifyToken(issued.access_token);

    expect(errors).toEqual([]);
    expect(token).toMatchObject({ token: issued.access_token, clientId: APP.client_id, scopes: ['read', 'write'], subject: undefined });
    expect(token!.expiresAt).toBe(token!.claims['exp']);
    expect(token!.expiresAt! - Date.now() / 1000).toBeGreaterThan(3500);
    expect(token!.claims).toMatchObject({ active: true, iss: harness.issuer, aud: RESOURCE, client_id: APP.client_id });
  });

  it('of an end user carries the subject', async () => {
    const { verifier } = setup({ requiredScopes: ['read'] });
    const token = await verifier.verifyToken(await expectUserToken());
    expect(token).toMatchObject({ clientId: APP.client_id, subject: 'alice', scopes: ['read'] });
  });

  it('is refused when it lacks a required scope', async () => {
    const issued = await appToken('read');
    const { verifier, errors } = setup({ requiredScopes: ['read', 'admin'] });
    await expect(verifier.verifyToken(issued.access_token)).resolves.toBeNull();
    expect((errors[0] as TokenInvalidError).reason).toBe('insufficient_scope');
  });

  it('is refused for another audience or issuer', async () => {
    const issued = await appToken();
    await expect(
      setup({ expectedAudience: 'https://other.example.com/mcp' }).verifier.verifyToken(issued.access_token),
    ).resolves.toBeNull();
    await expect(setup({ expectedIssuer: 'https://other.example.com' }).verifier.verifyToken(issued.access_token)).resolves.toBeNull();
  });
});

describe('revocation', () => {
  it('a revoked token is refused at once (cache off)', async () => {
    const issued = await appToken();
    const { verifier, errors } = setup();
    await expect(verifier.verifyToken(issued.access_token)).resolves.not.toBeNull();

    await expectRevoked(issued.access_token);

    await expect(verifier.verifyToken(issued.access_token)).resolves.toBeNull();
    expect(errors.map((e) => (e as TokenInvalidError).reason)).toEqual(['inactive']);
  });

  it('with the cache on, a revoked token stays accepted until its entry expires (the documented trade-off)', async () => {
    const issued = await appToken();
    let skew = 0;
    const { verifier } = setup({ cache: { ttlSeconds: 30 }, now: () => Date.now() / 1000 + skew });
    await expect(verifier.verifyToken(issued.access_token)).resolves.not.toBeNull();

    await expectRevoked(issued.access_token);
    await expect(verifier.verifyToken(issued.access_token)).resolves.not.toBeNull();

    skew = 31;
    await expect(verifier.verifyToken(issued.access_token)).resolves.toBeNull();
  });
});

describe('expiry', () => {
  it('an expired token is refused (the provider reports it inactive)', async () => {
    const shortLived = await startOidcProvider({ accessTokenFormat: 'opaque', clients, accessTokenTtl: 1 });
    try {
      const issued = await shortLived.clientCredentialsToken({ clientId: APP.client_id, clientSecret: APP.client_secret, scope: 'read' });
      const { hook, errors } = reports();
      const verifier = new IntrospectionTokenVerifier({
        introspectionUrl: shortLived.introspectionEndpoint,
        clientId: RS_POST.client_id,
        clientSecret: RS_POST.client_secret,
        clientAuthMethod: 'client_secret_post',
        expectedAudience: RESOURCE,
        onInvalidToken: hook,
      });
      const active = await verifier.verifyToken(issued.access_token);
      expect(active).not.toBeNull();

      // Past `exp` (whole seconds) by at least a second.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, (active!.expiresAt! + 1) * 1000 - Date.now())));

      await expect(verifier.verifyToken(issued.access_token)).resolves.toBeNull();
      expect(errors.map((e) => (e as TokenInvalidError).reason)).toEqual(['inactive']);
    } finally {
      await shortLived.close();
    }
  });

  it('a token past its exp is refused by our own check, whatever the provider says', async () => {
    const issued = await appToken();
    const { verifier: now } = setup();
    const exp = (await now.verifyToken(issued.access_token))!.expiresAt!;
    const { verifier, errors } = setup({ now: () => exp + 31 });
    await expect(verifier.verifyToken(issued.access_token)).resolves.toBeNull();
    expect((errors[0] as TokenInvalidError).reason).toBe('expired');
  });
});

describe('the provider rejecting our credentials', () => {
  it('is an outage (UpstreamError, 502 at the guard) reported as ConfigurationError, not an invalid token', async () => {
    const issued = await appToken();
    const { verifier, errors } = setup({ clientSecret: 'wrong-secret' });
    await expect(verifier.verifyToken(issued.access_token)).rejects.toMatchObject({ code: 'ERR_UPSTREAM', status: 401 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConfigurationError);
    expect(errors[0]!.message).toContain('401 invalid_client');
  });
});

describe('single flight', () => {
  it('1000 concurrent verifications of one token make exactly one introspection request', async () => {
    const issued = await appToken();
    const tracked = trackingFetch();
    const { verifier } = setup({ fetch: tracked.fetch });

    const results = await Promise.all(Array.from({ length: 1000 }, () => verifier.verifyToken(issued.access_token)));

    expect(tracked.calls()).toBe(1);
    expect(results.every((r) => r?.clientId === APP.client_id)).toBe(true);
  });
});
