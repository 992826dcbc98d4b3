import { createAuthorizationServer } from '../authorization-server/index.js';
import { AuthorizationCodes } from '../grants/authorization-codes.js';
import { TokenFamilies } from '../grants/token-families.js';
import { randomToken } from '../lib/crypto.js';
import { createRouter, type FetchHandler } from '../http/router.js';
import { JWTIssuer } from '../jwt-issuer/issuer.js';
import type { OAuthAuthorizationServerProvider } from '../protocols/provider.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';
import { EncryptingStore } from '../storage/encrypting-store.js';
import { createCallbackHandler } from './callback.js';
import { CODE_TTL, type ProxyConfig } from './config.js';
import { createProxyConsentHandler } from './consent-flow.js';
import type { ProxyContext } from './context.js';
import { deriveProxyKeys } from './keys.js';
import { discoverOpenIdConfiguration, type OIDCConfiguration } from './oidc-discovery.js';
import type { UpstreamAuthMethod, UpstreamEndpoints } from './options.js';
import { proxyRecords, type CodeRecord, type ProxyGrant } from './records.js';
import { UpstreamClient } from './upstream.js';
import { ClientAssertionSigner } from './client-assertion.js';
import { UpstreamSessions } from './upstream-sessions.js';

/** The upstream once known: its endpoints, the verifier of its tokens, how we authenticate there. */
export interface ResolvedUpstream {
  endpoints: UpstreamEndpoints;
  verifier: TokenVerifier;
  authMethod: UpstreamAuthMethod;
  /** The discovered OpenID configuration (`upstream.configUrl` only). */
  configuration: OIDCConfiguration | undefined;
}

/** What a started proxy serves and uses. */
export interface ProxyRuntime {
  ctx: ProxyContext;
  /** The authorization server's routes, the callback and the consent page. */
  handler: FetchHandler;
  configuration: OIDCConfiguration | undefined;
}

/** The first of `client_secret_basic`, `client_secret_post` the discovered upstream supports (basic when it says nothing). */
function discoveredAuthMethod(discovered: OIDCConfiguration): UpstreamAuthMethod {
  const supported = discovered.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  return supported.includes('client_secret_basic') || !supported.includes('client_secret_post')
    ? 'client_secret_basic'
    : 'client_secret_post';
}

/** The upstream's endpoints and verifier: as given, or from OpenID Connect discovery (throws `UpstreamError` when it fails). */
export async function resolveUpstreamSource(config: ProxyConfig): Promise<ResolvedUpstream> {
  const { source, clientId, verifyIdToken } = config.upstream;
  if (source.kind === 'static') {
    return { endpoints: source.endpoints, verifier: source.verifier, authMethod: source.authMethod, configuration: undefined };
  }
  const configuration = await discoverOpenIdConfiguration(source.configUrl, { http: config.http, expectedIssuer: source.expectedIssuer });
  const verifier =
    typeof source.verifier === 'function'
      ? source.verifier({
          issuer: configuration.issuer,
          jwksUri: configuration.jwks_uri,
          clientId,
          verifyIdToken,
          configuration,
          logger: config.listeners.logger,
        })
      : source.verifier;
  if (typeof verifier?.verifyToken !== 'function') throw new TypeError('OAuthProxy: upstream.verifier returned no verifier');
  return {
    endpoints: {
      issuer: configuration.issuer,
      authorizationEndpoint: configuration.authorization_endpoint,
      tokenEndpoint: configuration.token_endpoint,
      revocationEndpoint: configuration.revocation_endpoint,
    },
    verifier,
    authMethod: source.authMethod ?? discoveredAuthMethod(configuration),
    configuration,
  };
}

/**
 * Start the proxy: resolve the upstream, derive the keys, and build everything that needs them
 * (the encrypting store, our token issuer, the authorization server over `provider`, the
 * callback and consent handlers). Runs once per proxy, on first use or `ready()`.
 */
export async function startProxy(provider: OAuthAuthorizationServerProvider, config: ProxyConfig): Promise<ProxyRuntime> {
  const [resolved, keys] = await Promise.all([resolveUpstreamSource(config), deriveProxyKeys(config.keyMaterial)]);
  const store = new EncryptingStore({ store: config.store, key: keys.storage });
  const records = proxyRecords(store);
  const issuer = new JWTIssuer({ issuer: config.issuerUrl, audience: config.resourceUrl, signingKey: keys.signing });
  const { clientId, clientSecret, privateKey, extraTokenParams, verifyIdToken } = config.upstream;
  const clientAssertion =
    privateKey &&
    (await ClientAssertionSigner.create(privateKey, {
      clientId,
      // checked at construction: an issuer is given or discovered when the audience is the issuer
      audience: privateKey.audience === 'issuer' ? resolved.endpoints.issuer! : resolved.endpoints.tokenEndpoint,
      now: config.now,
    }));
  const upstream = new UpstreamClient({
    endpoints: resolved.endpoints,
    clientId,
    clientSecret,
    clientAssertion,
    authMethod: resolved.authMethod,
    redirectUri: config.callbackUrl,
    extraTokenParams,
    http: config.http,
    revokeUpstream: config.hooks.revokeUpstream,
  });
  const sessions = new UpstreamSessions({
    records,
    client: upstream,
    verifier: resolved.verifier,
    verifyIdToken,
    refreshScopes: config.hooks.refreshScopes,
    outageGrace: config.upstreamOutageGrace,
    now: config.now,
    onError: config.report,
  });
  const families = new TokenFamilies<ProxyGrant>({
    collections: records.grants,
    // Our tokens are JWTs; each is stored under its `jti`.
    mint: async (kind, claims) => {
      const jti = randomToken(16);
      const common = { clientId: claims.clientId, scopes: claims.scopes, jti, expiresIn: claims.expiresIn };
      const subject = claims.subject === undefined ? {} : { subject: claims.subject };
      const token =
        kind === 'access'
          ? issuer.issueAccessToken({ ...common, ...subject, dpopJkt: claims.dpopJkt })
          : issuer.issueRefreshToken({ ...common, ...subject });
      return { token: await token, id: jti };
    },
    accessTokenTtl: config.accessTokenTtl,
    now: config.now,
    onRevoke: (family) => sessions.revoke(family.setId),
  });
  const codes = new AuthorizationCodes<CodeRecord>({
    codes: records.codes,
    usedCodes: records.grants.usedCodes,
    families,
    codeTtl: CODE_TTL,
    now: config.now,
  });
  const as = createAuthorizationServer({
    ...config.authorizationServer,
    provider,
    store,
    issuerUrl: config.issuerUrl,
    scopesSupported: config.validScopes,
    resourceUrl: config.resourceUrl,
    dpop: config.dpop,
    ...config.listeners,
    now: config.now,
  });
  const ctx: ProxyContext = {
    config,
    keys,
    issuer,
    records,
    endpoints: resolved.endpoints,
    upstream,
    sessions,
    families,
    codes,
    resolveClient: as.resolveClient,
  };
  const handler = createRouter([
    ...as.routes,
    { path: config.callbackPath, handler: createCallbackHandler(ctx) },
    { path: config.consentPath, handler: createProxyConsentHandler(ctx) },
  ]);
  return { ctx, handler, configuration: resolved.configuration };
}
