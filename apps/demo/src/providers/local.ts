import { OIDCProxy } from '@mcpauth/core';
import { JWTVerifier } from '@mcpauth/jwt';
import { ConfigError } from '../config.js';
import { startLocalIdp } from '../local-idp.js';
import { defineProvider } from './provider.js';

/** The scope every MCP request needs in local mode. */
const TOOLS_SCOPE = 'mcp:tools';

/**
 * The offline default: a local OpenID provider on loopback, and `OIDCProxy` in front of it
 * (discovery, a `JWTVerifier` from the discovered `jwks_uri`, DCR and CIMD for MCP clients, the
 * consent page, our own tokens).
 */
export const local = defineProvider({
  name: 'local',
  title: 'Local OpenID provider + OIDCProxy (offline)',
  variables: [{ name: 'LOCAL_IDP_PORT', description: 'Port of the local OpenID provider on 127.0.0.1 (0 picks a free one)', default: '0' }],
  async create({ env, baseUrl, mcpPath, mcpUrl, scopes, grantScopes, allowedRedirectUris, onClose, note, onAuthError }) {
    const port = Number(env['LOCAL_IDP_PORT']);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(`LOCAL_IDP_PORT must be a port number (0-65535), got "${env['LOCAL_IDP_PORT']}"`, ['LOCAL_IDP_PORT']);
    }
    const validScopes = [TOOLS_SCOPE, scopes.admin];
    const idp = await startLocalIdp({ redirectUris: [`${baseUrl}/auth/callback`], defaultResource: mcpUrl, resourceScopes: validScopes, port });
    onClose(() => idp.close());
    note(`Local OpenID provider: ${idp.issuer} (development only). Sign in with any username and password.`);

    return OIDCProxy.create({
      configUrl: `${idp.issuer}/.well-known/openid-configuration`,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      baseUrl,
      mcpPath,
      // Upstream access tokens are JWTs for the MCP URL, signed with the key set OIDC discovery names.
      createVerifier: ({ issuer, jwksUri }) => new JWTVerifier({ jwksUri, issuer, audience: mcpUrl, onInvalidToken: onAuthError }),
      upstreamScopes: ['openid', 'profile', 'email', 'offline_access'],
      validScopes,
      requiredScopes: [TOOLS_SCOPE],
      allowedClientRedirectUris: allowedRedirectUris,
      serverName: 'MCP auth demo',
      providerName: 'the local OpenID provider',
      scopeDescriptions: { [TOOLS_SCOPE]: 'Use the demo tools', [scopes.admin]: 'See the server status (admin_status)' },
      onError: onAuthError,
      hooks: { grantScopes },
    });
  },
});
