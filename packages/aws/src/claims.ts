/**
 * The claims of a Cognito user pool access token. It has no `aud`: the app client is
 * `client_id`, and `token_use` is `access` (an ID token says `id`). Claims a pre token generation
 * Lambda adds pass through. `OAuthProxy` keeps them with the authorization: on this server's
 * tokens they are `claims.upstream_claims`.
 *
 * @example
 * ```ts
 * const upstream = token.claims['upstream_claims'] as CognitoClaims;
 * upstream.username;           // 'jane'
 * upstream['cognito:groups'];  // ['editors']
 * ```
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
 */
export type CognitoClaims = {
  /** `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`. */
  iss: string;
  /** The user's UUID in the pool. */
  sub: string;
  /** The app client the token was issued to. */
  client_id: string;
  /** `access`. */
  token_use: 'access';
  /** Granted scopes, space-separated (`openid email`, custom `resource-server/scope`, …). */
  scope?: string;
  /** The user's name in the pool (often their email or a UUID). */
  username: string;
  /** The groups the user is in (absent when none). */
  'cognito:groups'?: string[];
  auth_time: number;
  exp: number;
  iat: number;
  jti: string;
  origin_jti?: string;
  event_id?: string;
  version?: number;
  device_key?: string;
  [claim: string]: unknown;
};
