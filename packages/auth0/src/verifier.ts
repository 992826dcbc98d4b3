import { TokenInvalidError, type Clock, type HttpClientOptions, type VerifierReportingOptions } from '@mcpauth/core';
import { JWTVerifier, type JWTClaimsHook, type JWTTuningOptions } from '@mcpauth/jwt';

/**
 * Options of {@link auth0TokenVerifier}.
 *
 * @example
 * ```ts
 * const options: Auth0TokenVerifierOptions = {
 *   jwksUri: 'https://example.us.auth0.com/.well-known/jwks.json',
 *   issuer: 'https://example.us.auth0.com/',
 *   audience: 'https://api.example.com',
 * };
 * ```
 */
export interface Auth0TokenVerifierOptions extends JWTTuningOptions, VerifierReportingOptions {
  /** The tenant's JWKS (`https://{domain}/.well-known/jwks.json`). */
  jwksUri: string;
  /** The tenant's issuer, exactly: `https://{domain}/`, with the trailing slash. */
  issuer: string;
  /** The Auth0 API identifier the tokens must be issued for (`aud`). */
  audience: string;
  /** The API's signing algorithm (its "Signing Algorithm" setting). Default `['RS256']`. */
  algorithms?: readonly ('RS256' | 'PS256')[] | undefined;
  /** Read the `permissions` claim as the token's scopes (Auth0 RBAC); a token without it is refused. Default `false`. */
  permissionsAsScopes?: boolean | undefined;
  /** Outbound HTTP of the JWKS fetch (timeout, size limit, fetch). */
  http?: Omit<HttpClientOptions, 'retry'> | undefined;
  /** Clock in seconds since the epoch. */
  now?: Clock | undefined;
}

/** Throws `TypeError` unless `algorithms` lists RS256 and/or PS256 (what Auth0 signs API tokens with). */
export function checkAlgorithms(algorithms: unknown): void {
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => a !== 'RS256' && a !== 'PS256')) {
    throw new TypeError('Auth0: algorithms must list RS256 and/or PS256');
  }
}

/** Auth0 RBAC: the user's permissions for the API, as the token's scopes. */
const permissionScopes: JWTClaimsHook = (payload) => {
  const permissions = payload['permissions'];
  if (permissions === undefined) {
    throw new TokenInvalidError(
      'claim',
      'The Auth0 token has no "permissions" claim: turn on "Enable RBAC" and "Add Permissions in the Access Token" in the API\'s settings',
    );
  }
  if (!Array.isArray(permissions) || permissions.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new TokenInvalidError('claim', 'The Auth0 "permissions" claim is not a list of permission names');
  }
  return { scopes: [...(permissions as string[])] };
};

/**
 * A `JWTVerifier` for the access tokens an Auth0 tenant issues for one API: signature against the
 * tenant's JWKS (RS256 by default), `iss` equal to the tenant's issuer exactly (Auth0's ends with a
 * slash: `https://example.us.auth0.com` without it is refused), `aud` containing the API
 * identifier, `exp` required. Scopes come from `scope`, or with `permissionsAsScopes` from the
 * `permissions` claim (Auth0 RBAC). `Auth0Provider` builds one from the discovered `jwks_uri` and
 * `issuer`; use it alone to verify Auth0 tokens that reach your server directly.
 *
 * @example
 * ```ts
 * const verifier = auth0TokenVerifier({
 *   jwksUri: 'https://example.us.auth0.com/.well-known/jwks.json',
 *   issuer: 'https://example.us.auth0.com/',
 *   audience: 'https://api.example.com',
 *   permissionsAsScopes: true,
 * });
 * const token = await verifier.verifyToken(bearer); // null when invalid
 * ```
 * @see https://auth0.com/docs/secure/tokens/access-tokens/validate-access-tokens
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function auth0TokenVerifier(options: Auth0TokenVerifierOptions): JWTVerifier {
  const { jwksUri, issuer, audience, algorithms = ['RS256'], permissionsAsScopes = false, http, onInvalidToken, now, ...jwt } = options;
  if (typeof audience !== 'string' || audience.length === 0) throw new TypeError('Auth0: audience (the API identifier) is required');
  checkAlgorithms(algorithms);
  if (typeof permissionsAsScopes !== 'boolean') throw new TypeError('Auth0: permissionsAsScopes must be a boolean');
  return new JWTVerifier({
    ...jwt,
    ...http,
    jwksUri,
    issuer,
    audience,
    algorithms,
    claims: permissionsAsScopes ? permissionScopes : undefined,
    onInvalidToken,
    now,
  });
}
