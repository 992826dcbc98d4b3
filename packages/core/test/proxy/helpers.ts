import { CookieJar, parseForm, startOidcProvider, type OidcHarness, type OidcHarnessOptions } from '@mcpauth/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { parseScopes } from '../../src/kit.js';
import { pkceChallenge, randomToken } from '../../src/lib/crypto.js';
import type { AccessToken, OAuthClientInformationFull, OAuthToken, TokenVerifier } from '../../src/index.js';
import type { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import type { OAuthProxyOptions, UpstreamOptions } from '../../src/proxy/options.js';

export const UPSTREAM_CLIENT_ID = 'mcp-proxy';
export const UPSTREAM_CLIENT_SECRET = 'upstream-secret-0123456789abcdef0123456789';
export const CLIENT_REDIRECT = 'http://127.0.0.1:53682/callback';

/** A JWT verifier for the oidc-provider's access (or ID) tokens, counting its calls. */
export function upstreamJwtVerifier(options: { jwksUri: string; issuer: string; audience?: string }): TokenVerifier & { calls: number } {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri));
  const verifier = {
    calls: 0,
    async verifyToken(token: string): Promise<AccessToken | null> {
      verifier.calls++;
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: options.issuer,
          ...(options.audience ? { audience: options.audience } : {}),
        });
        return {
          token,
          clientId: String(payload['client_id'] ?? payload['azp'] ?? payload.aud),
          scopes: parseScopes(payload['scope']),
          expiresAt: payload.exp,
          subject: payload.sub,
          claims: payload as Record<string, unknown>,
        };
      } catch {
        return null;
      }
    },
  };
  return verifier;
}

async function introspect(h: OidcHarness, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(h.introspectionEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${btoa(`${UPSTREAM_CLIENT_ID}:${UPSTREAM_CLIENT_SECRET}`)}`,
    },
    body: new URLSearchParams({ token }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (typeof body['active'] !== 'boolean') throw new Error(`introspection failed: ${JSON.stringify(body)}`);
  return body;
}

/** Whether the upstream still considers a token active (RFC 7662 introspection with the proxy's client). */
export async function upstreamActive(h: OidcHarness, token: string): Promise<boolean> {
  return (await introspect(h, token))['active'] === true;
}

/** An upstream verifier for opaque tokens through the provider's introspection endpoint, counting its calls. */
export function upstreamIntrospectionVerifier(h: OidcHarness): TokenVerifier & { calls: number } {
  const verifier = {
    calls: 0,
    async verifyToken(token: string): Promise<AccessToken | null> {
      verifier.calls++;
      const body = await introspect(h, token);
      if (body['active'] !== true) return null;
      return {
        token,
        clientId: String(body['client_id']),
        scopes: parseScopes(body['scope']),
        expiresAt: typeof body['exp'] === 'number' ? body['exp'] : undefined,
        subject: typeof body['sub'] === 'string' ? body['sub'] : undefined,
        claims: body,
      };
    },
  };
  return verifier;
}

/** oidc-provider client metadata. */
type ClientMetadata = NonNullable<OidcHarnessOptions['clients']>[number];

/** Options of {@link startUpstream}: the harness's, and metadata replacing the proxy client's defaults (`undefined` removes one). */
export type UpstreamHarnessOptions = OidcHarnessOptions & { proxyClient?: Partial<ClientMetadata> };

/** The oidc-provider upstream (opaque access tokens unless told) with the proxy registered by hand (a static confidential client). */
export function startUpstream(callbackUrl: string, extra: UpstreamHarnessOptions = {}): Promise<OidcHarness> {
  const { proxyClient, ...options } = extra;
  const client: ClientMetadata = {
    client_id: UPSTREAM_CLIENT_ID,
    client_secret: UPSTREAM_CLIENT_SECRET,
    redirect_uris: [callbackUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...proxyClient,
  };
  for (const key of Object.keys(client)) if (client[key] === undefined) delete client[key];
  return startOidcProvider({ accessTokenFormat: 'opaque', ...options, clients: [client] });
}

/** The upstream options an `OAuthProxy` takes when its endpoints are given. */
export type StaticUpstreamOptions = Extract<UpstreamOptions, { authorizationEndpoint: string }>;

/** Overrides of {@link proxyOptions}: `upstream` and `consent` are merged, the rest replaced. */
export type ProxyOverrides = Partial<Omit<OAuthProxyOptions, 'upstream'>> & { upstream?: Partial<StaticUpstreamOptions> };

/** Proxy options for the oidc-provider upstream. */
export function proxyOptions(h: OidcHarness, baseUrl: string, overrides: ProxyOverrides = {}): OAuthProxyOptions {
  const { upstream, consent, ...rest } = overrides;
  return {
    upstream: {
      authorizationEndpoint: h.authorizationEndpoint,
      tokenEndpoint: h.tokenEndpoint,
      revocationEndpoint: h.revocationEndpoint,
      clientId: UPSTREAM_CLIENT_ID,
      clientSecret: UPSTREAM_CLIENT_SECRET,
      verifier: upstreamIntrospectionVerifier(h),
      scopes: ['openid', 'offline_access'],
      ...upstream,
    },
    baseUrl,
    validScopes: ['read', 'write'],
    consent: { serverName: 'Test MCP Server', providerName: 'Test IdP', ...consent },
    ...rest,
  };
}

export function testClient(overrides: Partial<OAuthClientInformationFull> = {}): OAuthClientInformationFull {
  return {
    client_id: `client-${randomToken(6)}`,
    client_name: 'Test Client',
    redirect_uris: [CLIENT_REDIRECT],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...overrides,
  };
}

/** Form POST of the consent page with `decision`. */
export async function submitConsent(
  proxy: OAuthProxy,
  consentUrl: string,
  jar: CookieJar,
  decision: 'approve' | 'deny',
): Promise<Response> {
  const page = await proxy.handler(new Request(consentUrl, { headers: { cookie: jar.header(), 'sec-fetch-site': 'none' } }));
  jar.store(page);
  const form = parseForm(await page.text(), consentUrl);
  if (!form) throw new Error(`no consent form (status ${page.status})`);
  form.fields.set('decision', decision);
  const res = await proxy.handler(
    new Request(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(), origin: new URL(consentUrl).origin },
      body: form.fields,
    }),
  );
  jar.store(res);
  return res;
}

export interface FlowResult {
  tokens: OAuthToken;
  codeVerifier: string;
  code: string;
  jar: CookieJar;
}

/**
 * Drive one authorization through the proxy's provider methods and its consent and callback
 * routes: authorize → consent (approve) → upstream login → callback → code → token.
 */
export async function authorizeAndExchange(
  proxy: OAuthProxy,
  h: OidcHarness,
  client: OAuthClientInformationFull,
  params: { scopes?: string[]; resource?: string; state?: string } = {},
): Promise<FlowResult> {
  const verifier = randomToken(48);
  const consentUrl = await proxy.authorize(client, {
    state: params.state ?? 'client-state',
    scopes: params.scopes,
    codeChallenge: await pkceChallenge(verifier),
    redirectUri: client.redirect_uris[0]!,
    redirectUriProvidedExplicitly: true,
    resource: params.resource,
  });
  const jar = new CookieJar();
  const approved = await submitConsent(proxy, consentUrl, jar, 'approve');
  if (approved.status !== 303) throw new Error(`consent answered ${approved.status}`);
  const callback = await h.login(approved.headers.get('location')!);
  const back = await proxy.handler(new Request(callback, { headers: { cookie: jar.header() } }));
  jar.store(back);
  const location = new URL(back.headers.get('location') ?? 'http://invalid/');
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`no code: ${location.href} (status ${back.status})`);
  const stored = await proxy.loadAuthorizationCode(client, code);
  if (!stored) throw new Error('code not found');
  return { tokens: await proxy.exchangeAuthorizationCode(client, stored), codeVerifier: verifier, code, jar };
}
