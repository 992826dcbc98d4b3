import { RemoteAuthProvider, type TokenVerifier } from '@mcpauth/core';
import type { ProviderContext } from './provider.js';

/**
 * The `AuthProvider` for an identity provider that is itself the authorization server: RFC 9728
 * metadata naming `issuer`, and the guard over `verifier`. The tools' step-up scope is listed in
 * `scopes_supported` next to the required ones.
 */
export function remoteProvider(
  context: ProviderContext,
  options: { issuer: string | URL; verifier: TokenVerifier; requiredScopes: readonly string[] },
): RemoteAuthProvider {
  return new RemoteAuthProvider({
    baseUrl: context.baseUrl,
    mcpPath: context.mcpPath,
    authorizationServers: [options.issuer],
    verifier: options.verifier,
    requiredScopes: options.requiredScopes,
    scopesSupported: [...options.requiredScopes, context.scopes.admin],
    resourceName: 'MCP auth demo',
  });
}
