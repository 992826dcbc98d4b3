import type { Route } from '../http/router.js';
import type { OAuthAuthorizationServerProvider } from '../protocols/provider.js';
import type { ProxyConfig } from './config.js';

/** The authorization-server routes (metadata, register, authorize, token, revoke) over the proxy. */
export function authorizationServerRoutes(provider: OAuthAuthorizationServerProvider, config: ProxyConfig): Route[] {
  void provider;
  void config;
  return []; // INTEGRATION PENDING: createAuthorizationServer is not in the tree yet
}
