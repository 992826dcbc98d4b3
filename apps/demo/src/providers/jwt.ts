import { JWTVerifier, type JwsAlgorithm } from '@mcpauth/jwt';
import { ConfigError, listVariable, urlVariable } from '../config.js';
import { defineProvider } from './provider.js';
import { remoteProvider } from './remote.js';

/** The JWS algorithms `JWT_ALGORITHMS` may name (those `JWTVerifier` accepts for a key set). */
const ALGORITHMS: readonly JwsAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** `JWT_ALGORITHMS` as algorithm names, or a {@link ConfigError} naming the unknown one. */
function algorithmsVariable(value: string): JwsAlgorithm[] {
  return listVariable(value).map((name) => {
    const algorithm = ALGORITHMS.find((a) => a === name);
    if (!algorithm) throw new ConfigError(`JWT_ALGORITHMS: "${name}" is not one of ${ALGORITHMS.join(', ')}`, ['JWT_ALGORITHMS']);
    return algorithm;
  });
}

/**
 * JWT access tokens from any authorization server, verified locally against its JWKS. The tokens'
 * audience must be the MCP endpoint URL (RFC 8707: the resource the client asked a token for).
 */
export const jwt = defineProvider({
  name: 'jwt',
  title: 'JWT access tokens (JWKS)',
  variables: [
    { name: 'JWT_JWKS_URI', description: 'JWKS URL of the authorization server that signs the access tokens', required: true },
    { name: 'JWT_ISSUER', description: 'Expected "iss" of the tokens; also the authorization server clients are sent to', required: true },
    {
      name: 'JWT_ALGORITHMS',
      description: 'Allowed signing algorithms, comma-separated',
      defaultLabel: 'the asymmetric algorithms JWTVerifier allows for a JWKS',
    },
    { name: 'JWT_REQUIRED_SCOPES', description: 'Scopes every MCP request needs, space-separated', defaultLabel: 'none' },
  ],
  create(context) {
    const { env, mcpUrl, onAuthError } = context;
    const jwksUri = urlVariable('JWT_JWKS_URI', env['JWT_JWKS_URI']!);
    const issuer = env['JWT_ISSUER']!;
    urlVariable('JWT_ISSUER', issuer);
    const requiredScopes = listVariable(env['JWT_REQUIRED_SCOPES']);
    const verifier = new JWTVerifier({
      jwksUri: jwksUri.href,
      issuer,
      audience: mcpUrl,
      algorithms: env['JWT_ALGORITHMS'] === undefined ? undefined : algorithmsVariable(env['JWT_ALGORITHMS']),
      requiredScopes,
      onInvalidToken: onAuthError,
    });
    return remoteProvider(context, { issuer, verifier, requiredScopes });
  },
});
