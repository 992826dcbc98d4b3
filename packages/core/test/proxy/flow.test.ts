import { CookieJar, type OidcHarness } from '@mcpauth/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizeError, RegistrationError, TokenError } from '../../src/index.js';
import { pkceChallenge, randomToken } from '../../src/lib/crypto.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { authorizeAndExchange, proxyOptions, startUpstream, submitConsent, testClient, upstreamActive } from './helpers.js';

const BASE = 'http://127.0.0.1:8931';
let h: OidcHarness;

beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
});
afterAll(() => h.close());

describe('OAuthProxy flow (provider methods, oidc-provider upstream)', () => {
  it('authorize → consent → upstream login → callback → code → our tokens', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const client = testClient();
    await proxy.registerClient(client);
    const { tokens } = await authorizeAndExchange(proxy, h, client, { scopes: ['read'], resource: `${BASE}/mcp` });
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.scope).toBe('read');
    expect(tokens.refresh_token).toBeTypeOf('string');
    const verified = await proxy.verifyToken(tokens.access_token);
    expect(verified).toMatchObject({ clientId: client.client_id, scopes: ['read'], subject: 'alice', resource: `${BASE}/mcp` });
    expect(verified!.claims['aud']).toBe(`${BASE}/mcp`);
    expect(verified!.claims['iss']).toBe(BASE);
    expect(verified!.claims['upstream_claims']).toEqual({ sub: 'alice' });
    // Upstream identity claims stay on the server: the bearer token the client holds has none.
    expect(decodeJwt(tokens.access_token)).not.toHaveProperty('upstream_claims');
    // Our token is not the upstream token.
    const upstream = await proxy.upstreamAccessToken(tokens.access_token);
    expect(upstream).toBeTypeOf('string');
    expect(upstream).not.toBe(tokens.access_token);
    expect(await upstreamActive(h, upstream!)).toBe(true);
  });

  it('returns the code to the exact redirect URI with state and iss (RFC 9207)', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const client = testClient();
    await proxy.registerClient(client);
    const verifier = randomToken(48);
    const consentUrl = await proxy.authorize(client, {
      state: 'xyz',
      codeChallenge: await pkceChallenge(verifier),
      redirectUri: client.redirect_uris[0]!,
      redirectUriProvidedExplicitly: true,
    });
    const jar = new CookieJar();
    const approved = await submitConsent(proxy, consentUrl, jar, 'approve');
    const upstreamUrl = new URL(approved.headers.get('location')!);
    expect(upstreamUrl.origin).toBe(h.issuer);
    expect(upstreamUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(upstreamUrl.searchParams.get('redirect_uri')).toBe(`${BASE}/auth/callback`);
    expect(upstreamUrl.searchParams.get('client_id')).toBe('mcp-proxy');
    // The upstream state is new (created at consent), not the client's.
    expect(upstreamUrl.searchParams.get('state')).not.toBe('xyz');
    const back = await proxy.handler(new Request(await h.login(upstreamUrl), { headers: { cookie: jar.header() } }));
    const location = new URL(back.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(client.redirect_uris[0]);
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('iss')).toBe(BASE);
  });

  it('accepts clients that send no scope and no resource', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE, { defaultScopes: ['read'] }));
    const client = testClient();
    await proxy.registerClient(client);
    const { tokens } = await authorizeAndExchange(proxy, h, client);
    expect(tokens.scope).toBe('read');
    expect((await proxy.verifyToken(tokens.access_token))?.resource).toBe(`${BASE}/mcp`);
  });

  it('refuses unknown scopes, foreign resources and disallowed redirect URIs', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const client = testClient();
    const params = { codeChallenge: await pkceChallenge(randomToken(48)), redirectUri: CLIENT, redirectUriProvidedExplicitly: true };
    await expect(proxy.authorize(client, { ...params, scopes: ['admin'] })).rejects.toMatchObject({ error: 'invalid_scope' });
    await expect(proxy.authorize(client, { ...params, resource: 'https://elsewhere.example/mcp' })).rejects.toMatchObject({
      error: 'invalid_target',
    });
    await expect(proxy.authorize(client, { ...params, redirectUri: 'https://evil.example/cb' })).rejects.toBeInstanceOf(AuthorizeError);
    await expect(proxy.registerClient(testClient({ redirect_uris: ['https://evil.example/cb'] }))).rejects.toBeInstanceOf(
      RegistrationError,
    );
  });

  it('a code works once; a replay fails and revokes the tokens it issued', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const client = testClient();
    await proxy.registerClient(client);
    const { tokens, code } = await authorizeAndExchange(proxy, h, client, { scopes: ['read'] });
    const stored = {
      code,
      scopes: [],
      expiresAt: 0,
      clientId: client.client_id,
      codeChallenge: '',
      redirectUri: '',
      redirectUriProvidedExplicitly: true,
    };
    await expect(proxy.exchangeAuthorizationCode(client, stored)).rejects.toBeInstanceOf(TokenError);
    expect(await proxy.verifyToken(tokens.access_token)).toBeNull();
  });

  it('a code issued to one client cannot be redeemed by another', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const client = testClient();
    const other = testClient();
    await proxy.registerClient(client);
    await proxy.registerClient(other);
    const verifier = randomToken(48);
    const consentUrl = await proxy.authorize(client, {
      codeChallenge: await pkceChallenge(verifier),
      redirectUri: client.redirect_uris[0]!,
      redirectUriProvidedExplicitly: true,
    });
    const jar = new CookieJar();
    const approved = await submitConsent(proxy, consentUrl, jar, 'approve');
    const back = await proxy.handler(new Request(await h.login(approved.headers.get('location')!), { headers: { cookie: jar.header() } }));
    const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
    expect(await proxy.loadAuthorizationCode(other, code)).toBeNull();
    expect(await proxy.loadAuthorizationCode(client, code)).not.toBeNull();
  });
});

const CLIENT = 'http://127.0.0.1:53682/callback';
