import { TokenInvalidError, type Clock, type HttpClientOptions, type VerifierReportingOptions } from '@mcpauth/core';
import { JWTVerifier, type JWTClaimsHook, type JWTTuningOptions } from '@mcpauth/jwt';

/**
 * Options of {@link cognitoTokenVerifier}.
 *
 * @example
 * ```ts
 * const options: CognitoTokenVerifierOptions = {
 *   jwksUri: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json',
 *   issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123',
 *   clientId: '1example23456789',
 * };
 * ```
 */
export interface CognitoTokenVerifierOptions extends JWTTuningOptions, VerifierReportingOptions {
  /** The pool's JWKS. */
  jwksUri: string;
  /** The pool's issuer, exactly. */
  issuer: string;
  /** The app client id(s) whose tokens are accepted (the `client_id` claim: Cognito access tokens have no `aud`). */
  clientId: string | readonly string[];
  /** Read the `cognito:groups` claim as the token's scopes (no groups: no scopes). Default `false`: scopes from `scope`. */
  groupsAsScopes?: boolean | undefined;
  /** Outbound HTTP of the JWKS fetch (timeout, size limit, fetch). */
  http?: Omit<HttpClientOptions, 'retry'> | undefined;
  /** Clock in seconds since the epoch. */
  now?: Clock | undefined;
}

/** Access tokens only: an ID token (`token_use: id`) presented as an access token is refused. */
const accessTokensOnly: JWTClaimsHook = (payload) => {
  if (payload['token_use'] !== 'access') {
    throw new TokenInvalidError('claim', `Not a Cognito access token (token_use is ${JSON.stringify(payload['token_use'] ?? null)})`);
  }
};

/** Access tokens only, the user's groups as scopes. */
const groupScopes: JWTClaimsHook = (payload, mapped) => {
  accessTokensOnly(payload, mapped);
  const groups = payload['cognito:groups'] ?? [];
  if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || g.length === 0)) {
    throw new TokenInvalidError('claim', 'The Cognito "cognito:groups" claim is not a list of group names');
  }
  return { scopes: [...(groups as string[])] };
};

/**
 * A `JWTVerifier` for a Cognito user pool's access tokens: RS256 against the pool's JWKS, `iss`
 * equal to the pool's issuer, `exp` required, and, since Cognito access tokens have no `aud`,
 * `client_id` checked against the app client id (an `audience` function) and `token_use` required
 * to be `access` (the claims hook: an ID token is refused). Scopes come from `scope`, or with
 * `groupsAsScopes` from `cognito:groups`. `AWSCognitoProvider` builds one from the discovered
 * `jwks_uri` and `issuer`; use it alone to verify Cognito tokens sent to your server directly.
 *
 * @example
 * ```ts
 * const verifier = cognitoTokenVerifier({
 *   jwksUri: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json',
 *   issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123',
 *   clientId: '1example23456789',
 * });
 * const token = await verifier.verifyToken(bearer); // null when invalid
 * ```
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 */
export function cognitoTokenVerifier(options: CognitoTokenVerifierOptions): JWTVerifier {
  const { jwksUri, issuer, clientId, groupsAsScopes = false, http, onInvalidToken, now, ...jwt } = options;
  const clients: readonly string[] = typeof clientId === 'string' ? [clientId] : clientId;
  if (!Array.isArray(clients) || clients.length === 0 || clients.some((c) => typeof c !== 'string' || c.length === 0)) {
    throw new TypeError('AWS Cognito: clientId (the app client id) is required');
  }
  if (typeof groupsAsScopes !== 'boolean') throw new TypeError('AWS Cognito: groupsAsScopes must be a boolean');
  return new JWTVerifier({
    ...jwt,
    ...http,
    jwksUri,
    issuer,
    audience: (payload) => typeof payload['client_id'] === 'string' && clients.includes(payload['client_id']),
    algorithms: ['RS256'],
    claims: groupsAsScopes ? groupScopes : accessTokensOnly,
    onInvalidToken,
    now,
  });
}
