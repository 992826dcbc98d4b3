import { startFakeOidcIdp, type FakeIdpGrant, type FakeOidcIdp } from '@mcpauth/testing';
import type { JWTPayload } from 'jose';

/** The user pool, its app client and the user who signs in, at the fake. */
export interface FakeCognitoPool {
  userPoolId: string;
  clientId: string;
  clientSecret: string;
  /** The app client's "Allowed callback URLs" (one). */
  callbackUrl: string;
  /** The signed-in user's groups; `[]`: none (Cognito then omits the claim). */
  groups: string[];
  /** The app client the issued access tokens name in `client_id` (a misconfigured pool); default `clientId`. */
  issuedClientId?: string | undefined;
}

export interface FakeCognito extends FakeOidcIdp {
  pool: FakeCognitoPool;
  /** An access token as Cognito issues it, claims merged over the defaults. */
  accessToken(claims?: JWTPayload): Promise<string>;
  /** An ID token as Cognito issues it. */
  idToken(claims?: JWTPayload): Promise<string>;
}

export const USER_SUB = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
export const USERNAME = 'janedoe';

/**
 * Cognito's discovery document, as served at
 * `https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/openid-configuration`: the
 * issuer and JWKS on the cognito-idp service, the OAuth endpoints on the user pool domain
 * (`https://{prefix}.auth.{region}.amazoncognito.com/oauth2/…`; here the fake's origin). It names
 * no revocation endpoint: `/oauth2/revoke` is on the user pool domain.
 * Source: https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html
 */
function cognitoDiscovery(origin: string, issuer: string): Record<string, unknown> {
  return {
    authorization_endpoint: `${origin}/oauth2/authorize`,
    end_session_endpoint: `${origin}/logout`,
    id_token_signing_alg_values_supported: ['RS256'],
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['code', 'token'],
    scopes_supported: ['openid', 'email', 'phone', 'profile'],
    subject_types_supported: ['public'],
    token_endpoint: `${origin}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    userinfo_endpoint: `${origin}/oauth2/userInfo`,
  };
}

/**
 * Cognito's token and revocation error bodies: `{ "error": … }` (`invalid_request`,
 * `invalid_client`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type`), no description.
 * Sources: https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html,
 * https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html
 */
function cognitoError(error: string): Record<string, unknown> {
  return { error };
}

/**
 * A fake Cognito user pool on 127.0.0.1 (issuer `{url}/{userPoolId}`) with one confidential app
 * client and one user who signs in at once. Access tokens have no `aud`, `client_id`,
 * `token_use: access`, `username`, `cognito:groups`; ID tokens `aud` = client id, `token_use: id`.
 * Every authorization code exchange returns a refresh token.
 * Sources: https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html,
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html,
 * https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html (token response)
 */
export async function startFakeCognito(pool: FakeCognitoPool): Promise<FakeCognito> {
  const groups = (): JWTPayload => (pool.groups.length > 0 ? { 'cognito:groups': pool.groups } : {});
  const accessClaims = (issuer: string, scope: string): JWTPayload => ({
    sub: USER_SUB,
    ...groups(),
    iss: issuer,
    version: 2,
    client_id: pool.issuedClientId ?? pool.clientId,
    origin_jti: crypto.randomUUID(),
    event_id: crypto.randomUUID(),
    token_use: 'access',
    scope,
    auth_time: Math.floor(Date.now() / 1000),
    username: USERNAME,
  });
  const idClaims = (issuer: string): JWTPayload => ({
    sub: USER_SUB,
    ...groups(),
    email_verified: true,
    iss: issuer,
    'cognito:username': USERNAME,
    origin_jti: crypto.randomUUID(),
    aud: pool.clientId,
    event_id: crypto.randomUUID(),
    token_use: 'id',
    auth_time: Math.floor(Date.now() / 1000),
    email: 'jane@example.com',
    jti: crypto.randomUUID(),
  });
  const idp = await startFakeOidcIdp({
    issuerPath: `/${pool.userPoolId}`,
    discovery: cognitoDiscovery,
    revocationPath: '/oauth2/revoke',
    client: pool,
    errorBody: cognitoError,
    refreshTokens: 'always',
    // Cognito refuses scopes the app client does not allow with invalid_scope at the redirect URI.
    refuseAuthorization: (params) =>
      (params.get('scope') ?? '')
        .split(' ')
        .every((s) => ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin'].includes(s))
        ? undefined
        : { error: 'invalid_scope', description: 'invalid_scope' },
    accessTokenClaims: (grant: FakeIdpGrant) => accessClaims(grant.issuer, grant.scope),
    idTokenClaims: (grant: FakeIdpGrant) => idClaims(grant.issuer),
  });
  const now = () => Math.floor(Date.now() / 1000);
  return Object.assign(idp, {
    pool,
    accessToken: (claims: JWTPayload = {}) =>
      idp.sign({ ...accessClaims(idp.issuer, 'openid email'), iat: now(), exp: now() + 3600, jti: crypto.randomUUID(), ...claims }),
    idToken: (claims: JWTPayload = {}) => idp.sign({ ...idClaims(idp.issuer), iat: now(), exp: now() + 3600, ...claims }),
  });
}
