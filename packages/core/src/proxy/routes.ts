import { createAuthorizationServer, type AuthorizationServer, type AuthorizationServerOptions } from '../authorization-server/index.js';
import type { OAuthAuthorizationServerProvider } from '../protocols/provider.js';
import type { ProxyConfig } from './config.js';

/**
 * Authorization-server options the proxy passes through to `createAuthorizationServer`.
 *
 * @example
 * ```ts
 * const authorizationServer: ProxyAuthorizationServerOptions = { cimd: false, clientRegistration: { } };
 * ```
 */
export type ProxyAuthorizationServerOptions = Pick<AuthorizationServerOptions, 'clientRegistration' | 'cimd' | 'maxBodyBytes' | 'serviceDocumentationUrl'>;

/**
 * The authorization server in front of the proxy (RFC 8414 metadata, RFC 7591 registration,
 * CIMD, authorize, token, RFC 7009 revocation), bound to the proxy's issuer, scopes, resource
 * and clock.
 */
export function proxyAuthorizationServer(
  provider: OAuthAuthorizationServerProvider,
  config: ProxyConfig,
  options: ProxyAuthorizationServerOptions | undefined,
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
