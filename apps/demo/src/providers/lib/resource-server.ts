import {
  createBearerGuard,
  createProtectedResourceMetadata,
  createRouter,
  type AuthProvider,
  type TokenVerifier,
} from '@auth/core';

/**
 * An {@link AuthProvider} for an MCP server whose tokens come from an existing authorization
 * server: RFC 9728 metadata naming it, and a bearer guard over `verifier`.
 */
export function resourceServer(options: {
  verifier: TokenVerifier;
  mcpUrl: string;
  authorizationServers: readonly string[];
  requiredScopes?: readonly string[];
  scopesSupported?: readonly string[];
}): AuthProvider {
  const requiredScopes = [...(options.requiredScopes ?? [])];
  const metadata = createProtectedResourceMetadata({
    resource: options.mcpUrl,
    authorizationServers: options.authorizationServers,
    scopesSupported: options.scopesSupported ?? requiredScopes,
    resourceName: 'MCP auth demo',
  });
  const guard = createBearerGuard({
    verifier: options.verifier,
    resourceMetadataUrl: metadata.url,
    requiredScopes,
  });
  const routes = [metadata.route];
  return {
    verifier: options.verifier,
    routes,
    resourceUrl: metadata.document.resource,
    resourceMetadataUrl: metadata.url,
    requiredScopes,
    guard,
    handler: createRouter(routes),
  };
}
