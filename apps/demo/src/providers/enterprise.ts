import {
  StoreOAuthProvider,
  ProviderTokenVerifier,
  RemoteAuthProvider,
  createAuthorizationServer,
  createRouter,
  type AuthProvider,
} from '@mcpauth/core';
import { IdJagVerifier } from '@mcpauth/jwt';
import { ConfigError } from '../config.js';
import { startEnterpriseIdp } from '../enterprise/idp.js';
import { defineProvider } from './provider.js';

/** The scope every MCP request needs in enterprise mode. */
const TOOLS_SCOPE = 'mcp:tools';

/**
 * SEP-990 Enterprise-Managed Authorization, offline: a local enterprise identity provider issues
 * ID-JAGs by token exchange; this server is the authorization server (`createAuthorizationServer`
 * over `StoreOAuthProvider` with `identityAssertions` and `IdJagVerifier`) that turns them into
 * access tokens for the MCP endpoint. `pnpm --filter demo enterprise-client` plays the agent.
 */
export const enterprise = defineProvider({
  name: 'enterprise',
  title: 'Enterprise-Managed Authorization (SEP-990, ID-JAG; offline)',
  variables: [
    {
      name: 'ENTERPRISE_IDP_PORT',
      description: 'Port of the local enterprise identity provider on 127.0.0.1 (0 picks a free one)',
      default: '0',
    },
  ],
  async create({ env, baseUrl, mcpPath, mcpUrl, onClose, note, onAuthError }): Promise<AuthProvider> {
    const port = Number(env['ENTERPRISE_IDP_PORT']);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(`ENTERPRISE_IDP_PORT must be a port number (0-65535), got "${env['ENTERPRISE_IDP_PORT']}"`, [
        'ENTERPRISE_IDP_PORT',
      ]);
    }
    const idp = await startEnterpriseIdp(port);
    onClose(() => idp.close());
    note(`Enterprise identity provider: ${idp.issuer} (development only; token exchange at ${idp.tokenEndpoint}).`);
    note(`Try it: pnpm --filter demo enterprise-client ${mcpUrl} ${idp.issuer} alice`);

    const verifier = new IdJagVerifier({
      trustedIssuers: [{ issuer: idp.issuer, jwksUri: idp.jwksUri }],
      audience: baseUrl,
      onError: onAuthError,
    });
    const provider = new StoreOAuthProvider({ issuerUrl: baseUrl, identityAssertions: { verifier } });
    const as = createAuthorizationServer({
      provider,
      issuerUrl: baseUrl,
      resourceUrl: mcpUrl,
      scopesSupported: [TOOLS_SCOPE],
      onError: onAuthError,
    });
    const resource = new RemoteAuthProvider({
      baseUrl,
      mcpPath,
      authorizationServers: [baseUrl],
      verifier: new ProviderTokenVerifier(provider),
      requiredScopes: [TOOLS_SCOPE],
      resourceName: 'MCP auth demo (enterprise)',
    });
    // the resource server's guard and metadata, plus this authorization server's endpoints
    const routes = [...as.routes, ...resource.routes];
    return {
      verifier: resource.verifier,
      routes,
      resourceUrl: resource.resourceUrl,
      resourceMetadataUrl: resource.resourceMetadataUrl,
      requiredScopes: resource.requiredScopes,
      authorizationServers: resource.authorizationServers,
      guard: resource.guard,
      handler: createRouter(routes),
      ready: () => resource.ready(),
    };
  },
});
