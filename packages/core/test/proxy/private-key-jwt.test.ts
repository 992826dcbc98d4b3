/**
 * The proxy authenticating to its upstream by `private_key_jwt` (RFC 7523 §2.2): oidc-provider
 * registers the proxy's client with `token_endpoint_auth_method: private_key_jwt` and the public
 * key in its `jwks`. The MCP SDK client completes the whole flow (code exchange, refresh and
 * revocation upstream each carry a fresh assertion); a proxy holding another key is refused
 * upstream, and the refusal is said clearly.
 */
import { Client, StreamableHTTPClientTransport, UnauthorizedError, auth } from '@modelcontextprotocol/client';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/index.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { OIDCProxy, type OIDCProxyOptions } from '../../src/proxy/oidc-proxy.js';
import type { OidcHarness } from '@mcpauth/testing';
import type { UpstreamPrivateKey } from '../../src/proxy/options.js';
import { proxyOptions, upstreamJwtVerifier, UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET } from './helpers.js';
import { scriptedClient, startProxyStack, type ProxyStack } from './stack.js';

const SIGNING_KEY = 'proxy-signing-key-0123456789abcdef0123456789';

let privateJwk: JWK;
let publicJwk: JWK;
let stack: ProxyStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateJwk = { ...(await exportJWK(pair.privateKey)), kid: 'proxy-key-1' };
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'proxy-key-1', alg: 'ES256', use: 'sig' };
});

/** oidc-provider knows the proxy as a private_key_jwt client holding `key` (default `publicJwk`). */
const privateKeyJwtClient = (key: JWK = publicJwk) => ({
  proxyClient: { token_endpoint_auth_method: 'private_key_jwt' as const, jwks: { keys: [key] }, client_secret: undefined },
});

/** Every request the proxy sends to the upstream token and revocation endpoints: its form, headers and answer. */
function recordUpstream() {
  const calls: { url: string; form: URLSearchParams; authorization: string | null; status: number }[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const form = new URLSearchParams(await request.clone().text());
    const res = await fetch(request);
    calls.push({ url: request.url, form, authorization: request.headers.get('authorization'), status: res.status });
    return res;
  };
  return { calls, fetch: fetchFn };
}

async function expectAuthorizationStarted(s: ProxyStack) {
  const provider = scriptedClient(s.h);
  const first = new Client({ name: 'pkjwt', version: '1.0.0' });
  await expect(first.connect(new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  return provider;
}

async function whoami(client: Client): Promise<{ subject: string }> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as { subject: string };
}

/** An OIDCProxy on the harness that authenticates with `privateKey` (ID tokens verified: the access tokens are opaque). */
function oidcProxy(url: string, h: OidcHarness, privateKey: UpstreamPrivateKey, extra: Partial<OIDCProxyOptions> = {}): OIDCProxy {
  return new OIDCProxy({
    upstream: {
      configUrl: `${h.issuer}/.well-known/openid-configuration`,
      clientId: UPSTREAM_CLIENT_ID,
      privateKey,
      scopes: ['offline_access'],
      verifyIdToken: true,
      verifier: ({ jwksUri, issuer, clientId }) => upstreamJwtVerifier({ jwksUri, issuer, audience: clientId }),
    },
    baseUrl: url,
    jwtSigningKey: SIGNING_KEY,
    consent: { mode: 'off' },
    ...extra,
  });
}

describe('private_key_jwt to the upstream', () => {
  it('OIDCProxy (discovered): the MCP SDK client completes the flow; exchange, refresh and revocation carry fresh assertions', async () => {
    const upstream = recordUpstream();
    const errors: unknown[] = [];
    stack = await startProxyStack(
      (url, h) =>
        oidcProxy(url, h, { key: privateJwk }, { validScopes: ['read'], http: { fetch: upstream.fetch }, onError: (e) => errors.push(e) }),
      privateKeyJwtClient(),
    );
    const s = stack;
    const provider = await expectAuthorizationStarted(s);
    await new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider }).finishAuth(provider.callback!);
    const client = new Client({ name: 'pkjwt', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider }));
    expect((await whoami(client)).subject).toBe('alice');

    // refresh through the SDK: the proxy refreshes upstream with a new assertion
    expect(await auth(provider, { serverUrl: s.mcpUrl })).toBe('AUTHORIZED');
    expect((await whoami(client)).subject).toBe('alice');
    // revocation: the upstream tokens are revoked with assertions too
    const revoked = await fetch(new URL('/revoke', s.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: provider.saved!.refresh_token!, client_id: provider.client!.client_id }),
    });
    expect(revoked.status).toBe(200);
    await client.close();

    const tokenCalls = upstream.calls.filter((c) => c.url === s.h.tokenEndpoint);
    const revocationCalls = upstream.calls.filter((c) => c.url === s.h.revocationEndpoint);
    expect(tokenCalls.map((c) => c.form.get('grant_type'))).toEqual(['authorization_code', 'refresh_token']);
    expect(revocationCalls.length).toBeGreaterThan(0);
    const all = [...tokenCalls, ...revocationCalls];
    expect(all.map((c) => c.status)).toEqual(all.map(() => 200));
    const jtis = new Set<unknown>();
    for (const call of all) {
      expect(call.authorization).toBeNull();
      expect(call.form.has('client_secret')).toBe(false);
      expect(call.form.get('client_id')).toBe(UPSTREAM_CLIENT_ID);
      expect(call.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      const assertion = call.form.get('client_assertion')!;
      expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256', kid: 'proxy-key-1' });
      const claims = decodeJwt(assertion);
      expect(claims).toMatchObject({ iss: UPSTREAM_CLIENT_ID, sub: UPSTREAM_CLIENT_ID, aud: s.h.tokenEndpoint });
      expect(claims.exp! - claims.iat!).toBe(60);
      jtis.add(claims.jti);
    }
    expect(jtis.size).toBe(all.length);
    expect(errors).toEqual([]);
  });

  it('OAuthProxy (endpoints given) signs with a non-extractable CryptoKey, audience the issuer', async () => {
    const pair = await generateKeyPair('RS256');
    const rsaPublic: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    const upstream = recordUpstream();
    stack = await startProxyStack(
      (url, h) =>
        new OAuthProxy(
          proxyOptions(h, url, {
            upstream: {
              issuer: h.issuer,
              clientSecret: undefined,
              privateKey: { key: pair.privateKey, kid: 'rsa-1', audience: 'issuer' },
              verifier: upstreamJwtVerifier({ jwksUri: h.jwksUri, issuer: h.issuer }),
            },
            jwtSigningKey: SIGNING_KEY,
            consent: { mode: 'off' },
            http: { fetch: upstream.fetch },
          }),
        ),
      { ...privateKeyJwtClient(rsaPublic), accessTokenFormat: 'jwt' },
    );
    const provider = await expectAuthorizationStarted(stack);
    await new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }).finishAuth(provider.callback!);
    const client = new Client({ name: 'pkjwt', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider }));
    expect((await whoami(client)).subject).toBe('alice');
    await client.close();
    const [exchange] = upstream.calls;
    expect(exchange!.status).toBe(200);
    const assertion = exchange!.form.get('client_assertion')!;
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'RS256', kid: 'rsa-1' });
    expect(decodeJwt(assertion).aud).toBe(stack.h.issuer);
  });

  it('a key the upstream does not hold is refused there: onError names the cause, the client gets server_error', async () => {
    const other = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const errors: unknown[] = [];
    stack = await startProxyStack(
      (url, h) => oidcProxy(url, h, { key: { ...other, kid: 'proxy-key-1' } }, { onError: (e) => errors.push(e) }),
      privateKeyJwtClient(),
    );
    const provider = await expectAuthorizationStarted(stack);
    expect(provider.callback?.get('error')).toBe('server_error');
    expect(provider.callback?.get('error_description')).toContain('identity provider');
    const refused = errors.find((e): e is UpstreamError => e instanceof UpstreamError);
    expect(refused).toMatchObject({ reason: 'oauth_error', status: 401, error: 'invalid_client' });
    expect(refused!.message).toContain('private_key_jwt');
    expect(refused!.message).toContain('upstream.privateKey');
  });
});

describe('upstream.privateKey options (TypeError at construction)', () => {
  const base = (privateKey: UpstreamPrivateKey | undefined, extra: Record<string, unknown> = {}) => ({
    upstream: {
      authorizationEndpoint: 'https://idp.example.com/authorize',
      tokenEndpoint: 'https://idp.example.com/token',
      clientId: 'proxy',
      privateKey,
      verifier: { verifyToken: async () => null },
      ...extra,
    },
    baseUrl: 'https://mcp.example.com',
    jwtSigningKey: SIGNING_KEY,
  });
  const build = (privateKey: UpstreamPrivateKey | undefined, extra: Record<string, unknown> = {}) =>
    new OAuthProxy(base(privateKey, extra) as never);

  it('accepts a private JWK (alg from its curve) and defaults the method to private_key_jwt', () => {
    expect(() => build({ key: privateJwk })).not.toThrow();
  });

  it('refuses a public JWK, a shared secret, an alg that does not fit, an RSA JWK without alg, HS256', async () => {
    const { d: _d, ...publicOnly } = privateJwk;
    expect(() => build({ key: publicOnly })).toThrow(/private JWK/);
    expect(() => build({ key: { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' } })).toThrow(/shared secret/);
    expect(() => build({ key: privateJwk, alg: 'RS256' })).toThrow(/does not fit/);
    const rsa = await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey);
    expect(() => build({ key: rsa })).toThrow(/alg is required/);
    expect(() => build({ key: rsa, alg: 'RS256' })).not.toThrow();
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    expect(() => build({ key: hmac, alg: 'HS256' })).toThrow(/private CryptoKey/);
    const { privateKey } = await generateKeyPair('ES256');
    expect(() => build({ key: privateKey, alg: 'HS256' })).toThrow(/must be one of/);
  });

  it('refuses a public CryptoKey, a secret next to the key, another method with the key, private_key_jwt without one', async () => {
    const pair = await generateKeyPair('ES256');
    expect(() => build({ key: pair.publicKey })).toThrow(/private CryptoKey/);
    expect(() => build({ key: pair.privateKey }, { clientSecret: UPSTREAM_CLIENT_SECRET })).toThrow(/not both/);
    expect(() => build({ key: pair.privateKey }, { authMethod: 'client_secret_post' })).toThrow(/private_key_jwt/);
    expect(() => build(undefined, { authMethod: 'private_key_jwt', clientSecret: UPSTREAM_CLIENT_SECRET })).toThrow(/privateKey/);
  });

  it("audience 'issuer' needs upstream.issuer when the endpoints are given", async () => {
    const { privateKey } = await generateKeyPair('ES256');
    expect(() => build({ key: privateKey, audience: 'issuer' })).toThrow(/upstream.issuer/);
    expect(() => build({ key: privateKey, audience: 'issuer' }, { issuer: 'https://idp.example.com' })).not.toThrow();
  });
});
