import { createAuthorizationServer, type AuthorizationServer, type AuthorizationServerOptions } from '../authorization-server/index.js';
import type { Route } from '../http/router.js';
import type { OAuthAuthorizationServerProvider } from '../protocols/provider.js';
import { createProtectedResourceMetadata } from '../resource-server/metadata.js';
import { createCallbackHandler } from './callback.js';
import type { ProxyConfig } from './config.js';
import { createProxyConsentHandler } from './consent-flow.js';
import type { ProxyContext } from './context.js';

/**
 * Authorization-server options the proxy passes through to `createAuthorizationServer`.
 *
 * @example
 * ```ts
 * const authorizationServer: ProxyAuthorizationServerOptions = { cimd: false, clientRegistration: { } };
 * ```
 */
export type ProxyAuthorizationServerOptions = Pick<AuthorizationServerOptions, 'clientRegistration' | 'cimd' | 'maxBodyBytes' | 'bodyTimeoutMs' | 'serviceDocumentationUrl'>;

/**
 * The authorization server in front of the proxy (RFC 8414 metadata, RFC 7591 registration,
 * CIMD, authorize, token, RFC 7009 revocation), bound to the proxy's issuer, scopes, resource
 * and clock.
 */
export function proxyAuthorizationServer(
  provider: OAuthAuthorizationServerProvider,
  config: ProxyConfig,
  options: ProxyAuthorizationServerOptions & Pick<AuthorizationServerOptions, 'store'>,
  onError: (error: unknown) => void,
): AuthorizationServer {
  return createAuthorizationServer({
    ...options,
    provider,
    issuerUrl: config.issuerUrl,
    scopesSupported: config.validScopes,
    resourceUrl: config.resourceUrl,
    onError,
    now: config.now,
  });
}

/** Every route of the proxy: the authorization server's, RFC 9728 metadata, the upstream callback, the consent page. */
export function proxyRoutes(ctx: ProxyContext, as: AuthorizationServer): Route[] {
  const { config } = ctx;
  const prm = createProtectedResourceMetadata({
    resource: config.resourceUrl,
    authorizationServers: [config.issuerUrl],
    scopesSupported: config.validScopes,
  });
  return [
    ...as.routes,
    prm.route,
    { path: config.callbackPath, handler: createCallbackHandler(ctx) },
    { path: config.consentPath, handler: createProxyConsentHandler(ctx) },
  ];
}
