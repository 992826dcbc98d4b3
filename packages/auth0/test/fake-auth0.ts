import { startFakeOidcIdp, type FakeIdpGrant, type FakeOidcIdp } from '@mcpauth/testing';
import type { JWTPayload } from 'jose';

/** The Auth0 application and API registered at the fake tenant. */
export interface FakeAuth0Tenant {
  clientId: string;
  clientSecret: string;
  /** The application's "Allowed Callback URLs" (one). */
  callbackUrl: string;
  /** The API's identifier (its `audience`). */
  audience: string;
  /** The signed-in user's permissions for the API (RBAC); `undefined`: the token carries no `permissions` claim. */
  permissions?: string[] | undefined;
  /** The API the issued tokens name in `aud` (a misconfigured tenant); default `audience`. */
  issuedAudience?: string | undefined;
}

export interface FakeAuth0 extends FakeOidcIdp {
  tenant: FakeAuth0Tenant;
  /** An access token for the API as Auth0 issues it (Auth0 token profile), claims merged over the defaults. */
  accessToken(claims?: JWTPayload): Promise<string>;
  /** An ID token for the application. */
  idToken(claims?: JWTPayload): Promise<string>;
}

export const USER_ID = 'auth0|64b0c0ffee0123456789abcd';

/**
 * Auth0's discovery document, as a tenant serves it at `https://{domain}/.well-known/openid-configuration`
 * (abridged to the members a client reads; endpoint paths as Auth0 names them).
 * Source: https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery
 */
function auth0Discovery(origin: string, issuer: string): Record<string, unknown> {
  return {
    issuer, // "https://{domain}/": with the trailing slash
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/oauth/token`,
    device_authorization_endpoint: `${origin}/oauth/device/code`,
    userinfo_endpoint: `${origin}/userinfo`,
    mfa_challenge_endpoint: `${origin}/mfa/challenge`,
    jwks_uri: `${origin}/.well-known/jwks.json`,
    registration_endpoint: `${origin}/oidc/register`,
    revocation_endpoint: `${origin}/oauth/revoke`,
    scopes_supported: [
      'openid',
      'profile',
      'offline_access',
      'name',
      'given_name',
      'family_name',
      'nickname',
      'email',
      'email_verified',
      'picture',
      'created_at',
      'identities',
      'phone',
      'address',
    ],
    response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token'],
    code_challenge_methods_supported: ['S256', 'plain'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['public'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    claims_supported: [
      'aud',
      'auth_time',
      'created_at',
      'email',
      'email_verified',
      'exp',
      'family_name',
      'given_name',
      'iat',
      'identities',
      'iss',
      'name',
      'nickname',
      'phone_number',
      'picture',
      'sub',
    ],
    request_uri_parameter_supported: false,
    request_parameter_supported: false,
    id_token_signing_alg_values_supported: ['HS256', 'RS256', 'PS256'],
    end_session_endpoint: `${origin}/oidc/logout`,
  };
}

/**
 * Auth0's error bodies: `{ error, error_description }`; a bad client secret is `access_denied` /
 * "Unauthorized", a rate limit `too_many_requests`.
 * Source: https://auth0.com/docs/api/authentication#standard-error-responses
 */
function auth0Error(error: string, description: string): Record<string, unknown> {
  if (error === 'invalid_client') return { error: 'access_denied', error_description: 'Unauthorized' };
  if (error === 'too_many_requests') return { error: 'too_many_requests', error_description: 'Global limit has been reached' };
  return { error, error_description: description };
}

/**
 * A fake Auth0 tenant on 127.0.0.1 with one Regular Web Application, one API and one user who
 * signs in and consents at once. Tokens follow the Auth0 access token profile: `iss` with a
 * trailing slash, `aud` = [API identifier, `{issuer}userinfo`], `azp`, `scope`, `permissions`
 * (RBAC), a namespaced custom claim.
 * Sources: https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles,
 * https://auth0.com/docs/api/authentication#authorization-code-flow-with-pkce (token response),
 * https://auth0.com/docs/api/authentication#revoke-refresh-token (revocation).
 */
export async function startFakeAuth0(tenant: FakeAuth0Tenant): Promise<FakeAuth0> {
  const accessClaims = (issuer: string, scope: string): JWTPayload => ({
    iss: issuer,
    sub: USER_ID,
    aud: [tenant.issuedAudience ?? tenant.audience, `${issuer}userinfo`],
    azp: tenant.clientId,
    scope,
    ...(tenant.permissions === undefined ? {} : { permissions: tenant.permissions }),
    'https://mcp.example.com/roles': ['editor'],
  });
  const idClaims = (issuer: string): JWTPayload => ({
    iss: issuer,
    sub: USER_ID,
    aud: tenant.clientId,
    nickname: 'jane',
    name: 'Jane Doe',
    email: 'jane@example.com',
    email_verified: true,
    sid: 'f9Xk2jYqzL0dFakeSessionId',
  });
  const idp = await startFakeOidcIdp({
    issuerTrailingSlash: true,
    discovery: auth0Discovery,
    client: tenant,
    errorBody: auth0Error,
    expiresIn: 86_400, // an API's default token lifetime
    // Auth0 answers an unknown audience at the authorization endpoint with access_denied.
    refuseAuthorization: (params) =>
      params.get('audience') === tenant.audience
        ? undefined
        : { error: 'access_denied', description: `Service not found: ${params.get('audience') ?? ''}` },
    accessTokenClaims: (grant: FakeIdpGrant) => accessClaims(grant.issuer, grant.scope),
    idTokenClaims: (grant: FakeIdpGrant) => idClaims(grant.issuer),
    tokenResponse: (grant: FakeIdpGrant) => ({ scope: grant.scope }),
  });
  const now = () => Math.floor(Date.now() / 1000);
  return Object.assign(idp, {
    tenant,
    accessToken: (claims: JWTPayload = {}) =>
      idp.sign({ ...accessClaims(idp.issuer, 'openid profile email'), iat: now(), exp: now() + 3600, jti: crypto.randomUUID(), ...claims }),
    idToken: (claims: JWTPayload = {}) => idp.sign({ ...idClaims(idp.issuer), iat: now(), exp: now() + 3600, ...claims }),
  });
}
