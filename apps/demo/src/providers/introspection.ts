import { IntrospectionTokenVerifier } from '@mcpauth/introspection';
import { ConfigError, listVariable, urlVariable } from '../config.js';
import { defineProvider } from './provider.js';
import { remoteProvider } from './remote.js';

/**
 * Opaque access tokens checked at the authorization server's RFC 7662 introspection endpoint.
 * The introspection response must name the MCP endpoint URL in `aud` (RFC 8707).
 */
export const introspection = defineProvider({
  name: 'introspection',
  title: 'Token introspection (RFC 7662)',
  variables: [
    { name: 'INTROSPECTION_URL', description: "The authorization server's introspection endpoint", required: true },
    {
      name: 'INTROSPECTION_CLIENT_ID',
      description: 'Client id this server authenticates with at the introspection endpoint',
      required: true,
    },
    { name: 'INTROSPECTION_CLIENT_SECRET', description: 'Its client secret', required: true, secret: true },
    { name: 'INTROSPECTION_ISSUER', description: 'The authorization server clients are sent to (its issuer URL)', required: true },
    { name: 'INTROSPECTION_AUTH_METHOD', description: 'client_secret_basic or client_secret_post', default: 'client_secret_basic' },
    { name: 'INTROSPECTION_REQUIRED_SCOPES', description: 'Scopes every MCP request needs, space-separated', defaultLabel: 'none' },
  ],
  create(context) {
    const { env, mcpUrl, onAuthError } = context;
    const introspectionUrl = urlVariable('INTROSPECTION_URL', env['INTROSPECTION_URL']!);
    const issuer = urlVariable('INTROSPECTION_ISSUER', env['INTROSPECTION_ISSUER']!);
    const method = env['INTROSPECTION_AUTH_METHOD'];
    if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
      throw new ConfigError(`INTROSPECTION_AUTH_METHOD must be client_secret_basic or client_secret_post, got "${method}"`, [
        'INTROSPECTION_AUTH_METHOD',
      ]);
    }
    const requiredScopes = listVariable(env['INTROSPECTION_REQUIRED_SCOPES']);
    const verifier = new IntrospectionTokenVerifier({
      introspectionUrl: introspectionUrl.href,
      clientId: env['INTROSPECTION_CLIENT_ID']!,
      clientSecret: env['INTROSPECTION_CLIENT_SECRET']!,
      clientAuthMethod: method,
      requiredScopes,
      expectedAudience: mcpUrl,
      onInvalidToken: onAuthError,
    });
    return remoteProvider(context, { issuer, verifier, requiredScopes });
  },
});
