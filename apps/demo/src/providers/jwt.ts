import { JWTVerifier } from '@auth/jwt';
import { listVariable, urlVariable } from '../config.js';
import { resourceServer } from './lib/resource-server.js';
import { defineProvider } from './provider.js';

/** JWT access tokens from any authorization server, verified locally against its JWKS. */
export const jwt = defineProvider({
  name: 'jwt',
  title: 'JWT access tokens (JWKS)',
  variables: [
    { name: 'JWT_JWKS_URI', description: 'JWKS URL of the authorization server that signs the access tokens', required: true },
    { name: 'JWT_ISSUER', description: 'Expected "iss" of the tokens; also the authorization server clients are sent to', required: true },
    { name: 'JWT_AUDIENCE', description: 'Expected "aud" of the tokens', defaultLabel: 'the MCP endpoint URL' },
    { name: 'JWT_ALGORITHMS', description: 'Allowed signing algorithms, comma-separated', default: 'RS256,ES256,PS256,EdDSA' },
    { name: 'JWT_REQUIRED_SCOPES', description: 'Scopes every MCP request needs, space-separated', defaultLabel: 'none' },
  ],
  create({ env, mcpUrl, scopes }) {
    const jwksUri = urlVariable('JWT_JWKS_URI', env['JWT_JWKS_URI']!);
    const issuer = env['JWT_ISSUER']!;
    urlVariable('JWT_ISSUER', issuer);
    const audience = env['JWT_AUDIENCE'] ?? mcpUrl;
    const requiredScopes = listVariable(env['JWT_REQUIRED_SCOPES']);
    const verifier = new JWTVerifier({
      jwksUri: jwksUri.href,
      issuer,
      audience,
      algorithms: listVariable(env['JWT_ALGORITHMS']),
      requiredScopes,
    });
    return resourceServer({ verifier, mcpUrl, authorizationServers: [issuer], requiredScopes, scopesSupported: [...requiredScopes, scopes.admin] });
  },
});
