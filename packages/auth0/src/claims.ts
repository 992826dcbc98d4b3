/**
 * The claims of an Auth0 access token issued for an API (`audience`), in either access token
 * profile: the Auth0 profile (`azp`) or the RFC 9068 profile (`client_id`, `typ: at+jwt`).
 * Custom claims added by an Action (namespaced, `https://example.com/roles`, or not) pass through
 * as they are. `OAuthProxy` keeps them with the authorization: on this server's tokens they are
 * `claims.upstream_claims`.
 *
 * @example
 * ```ts
 * const upstream = token.claims['upstream_claims'] as Auth0Claims;
 * upstream.sub;                               // 'auth0|64b0c0ffee…'
 * upstream.permissions;                       // ['read:notes'] with RBAC and "Add Permissions in the Access Token"
 * upstream['https://example.com/roles'];      // a namespaced custom claim
 * ```
 * @see https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export type Auth0Claims = {
  /** `https://{domain}/`, with the trailing slash. */
  iss: string;
  /** The user (`auth0|…`, `google-oauth2|…`, …), or `{client_id}@clients` for machine-to-machine tokens. */
  sub: string;
  /** The API identifier, and `https://{domain}/userinfo` when `openid` was asked for. */
  aud: string | string[];
  exp: number;
  iat: number;
  /** The application the token was issued to (Auth0 profile). */
  azp?: string;
  /** The application the token was issued to (RFC 9068 profile). */
  client_id?: string;
  /** Granted scopes, space-separated. */
  scope?: string;
  /** The user's permissions for the API (RBAC with "Add Permissions in the Access Token"). */
  permissions?: string[];
  /** The grant type, e.g. `client-credentials`. */
  gty?: string;
  /** The Auth0 Organization the user signed in to. */
  org_id?: string;
  org_name?: string;
  jti?: string;
  [claim: string]: unknown;
};
