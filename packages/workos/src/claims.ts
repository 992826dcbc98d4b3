import { TokenInvalidError } from '@mcpauth/core';
import type { JWTClaimsHook } from '@mcpauth/jwt';

/**
 * The claims of an AuthKit access token (`token.claims` of a token verified by
 * `AuthKitProvider`), with WorkOS's organization claims typed: the organization the user signed
 * in to (`org_id`), their role there (`role`, and every role in `roles`) and the role's
 * permissions (`permissions`). The organization claims are there only when the user signed in
 * to an organization; when present they have the types below (the provider refuses a token
 * whose claims do not).
 *
 * @example
 * ```ts
 * const claims = token.claims as AuthKitClaims;
 * if (claims.org_id === undefined) throw new Error('sign in to an organization');
 * ```
 * @see https://workos.com/docs/reference/authkit/session-tokens/access-token
 * @see https://workos.com/docs/authkit/mcp
 */
export type AuthKitClaims = {
  /** The AuthKit domain (or your custom auth domain). */
  iss: string;
  /** The WorkOS user id (`user_01…`). */
  sub: string;
  /** This server's resource URL, when resource indicators are configured in WorkOS (RFC 8707). */
  aud: string | string[];
  exp: number;
  iat: number;
  jti?: string;
  /** The session id. */
  sid?: string;
  /** The OAuth client the token was issued to. */
  client_id?: string;
  /** Space-separated scopes granted to the client. */
  scope?: string;
  /** The organization selected at sign-in (`org_01…`). */
  org_id?: string;
  /** The role of the user's membership in that organization (the highest-priority one). */
  role?: string;
  /** Every role of that membership. */
  roles?: string[];
  /** The slugs of the permissions the role grants (e.g. `widgets:read`). */
  permissions?: string[];
  /** The Stripe entitlements of the organization. */
  entitlements?: string[];
  [claim: string]: unknown;
};

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0);
}

/**
 * The claims hook of `AuthKitProvider`'s `JWTVerifier`: refuses a token whose organization claims
 * have the wrong type (so {@link AuthKitClaims} holds for every accepted token) and, with
 * `permissionsAsScopes`, adds the `permissions` to the token's scopes, so `requiredScopes` and the
 * per-tool scope checks can name WorkOS permissions.
 *
 * @example
 * ```ts
 * const verifier = new JWTVerifier({ jwksUri, issuer, audience, claims: authkitClaims({ permissionsAsScopes: true }) });
 * ```
 * @see https://workos.com/docs/rbac
 */
export function authkitClaims(options: { permissionsAsScopes?: boolean | undefined } = {}): JWTClaimsHook {
  return (payload, mapped) => {
    for (const name of ['org_id', 'role'] as const) {
      if (payload[name] !== undefined && (typeof payload[name] !== 'string' || payload[name] === '')) {
        throw new TokenInvalidError('claim', `AuthKit token: ${name} is not a non-empty string`);
      }
    }
    for (const name of ['roles', 'permissions'] as const) {
      if (payload[name] !== undefined && !isStringList(payload[name])) {
        throw new TokenInvalidError('claim', `AuthKit token: ${name} is not a list of non-empty strings`);
      }
    }
    const permissions = payload['permissions'] as string[] | undefined;
    if (!options.permissionsAsScopes || permissions === undefined) return undefined;
    return { scopes: [...new Set([...mapped.scopes, ...permissions])] };
  };
}
