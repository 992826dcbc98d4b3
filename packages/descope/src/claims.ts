import type { JWTClaimsHook } from '@mcpauth/jwt';

/** The roles and permissions of the user in one tenant (`tenants[tenantId]`). */
export interface DescopeTenantClaims {
  roles?: string[];
  permissions?: string[];
  [claim: string]: unknown;
}

/**
 * The claims of a Descope access token (`token.claims`): the standard ones, Descope's
 * project-level `roles` and `permissions`, and per-tenant ones in `tenants`.
 *
 * @example
 * ```ts
 * const claims = token.claims as DescopeClaims;
 * const isAdmin = claims.roles?.includes('admin') || claims.tenants?.[claims.dct ?? '']?.roles?.includes('admin');
 * ```
 * @see https://docs.descope.com/session-overview
 */
export type DescopeClaims = {
  iss: string;
  /** The Descope user id. */
  sub: string;
  /** The project id (and, for clients registered by DCR, the client id). */
  aud: string | string[];
  exp: number;
  iat: number;
  /** The OAuth client the token was issued to. */
  azp?: string;
  client_id?: string;
  /** Granted scopes, space-separated. */
  scope?: string;
  /** Project-level roles of the user. */
  roles?: string[];
  /** Project-level permissions of the user (the union of its roles' permissions). */
  permissions?: string[];
  /** Roles and permissions per tenant id. */
  tenants?: Record<string, DescopeTenantClaims>;
  /** Descope Current Tenant: the user's active tenant. */
  dct?: string;
  /** Authentication methods used (`email`, `oauth`, `webauthn`, `fed`, `mfa`, …). */
  amr?: string[];
  /** Descope Resource Name: the kind of token. */
  drn?: string;
  email?: string;
  name?: string;
  [claim: string]: unknown;
};

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0 && !/\s/.test(v)) : [];
}

/** The user's Descope permissions: project-level `permissions`, and those of the current tenant (`dct`) in `tenants`. */
function permissionsOf(payload: Readonly<Record<string, unknown>>): string[] {
  const tenants = payload['tenants'];
  const dct = payload['dct'];
  const current =
    typeof dct === 'string' && typeof tenants === 'object' && tenants !== null && Object.hasOwn(tenants, dct)
      ? (tenants as Record<string, unknown>)[dct]
      : undefined;
  const tenantPermissions = typeof current === 'object' && current !== null ? strings((current as DescopeTenantClaims).permissions) : [];
  return [...strings(payload['permissions']), ...tenantPermissions];
}

/**
 * The claims hook of Descope tokens. The client: `client_id`, else `azp`, else the audience
 * entry that is not the project id (Descope puts `[client id, project id]` in `aud`), else `sub`.
 * With `withPermissions`, the user's permissions (project-level, and the current tenant's; not
 * other tenants', a token is used in one tenant at a time) are added to the scopes; entries that
 * are not single words are left out (a scope has no spaces).
 */
export function descopeClaimsHook(projectId: string, withPermissions: boolean): JWTClaimsHook {
  return (payload, mapped) => {
    const changes: { clientId?: string; scopes?: string[] } = {};
    if (typeof payload['client_id'] !== 'string' && typeof payload['azp'] !== 'string') {
      const others = (typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? [])).filter((a) => a !== projectId);
      if (others.length === 1) changes.clientId = others[0]!;
    }
    if (withPermissions) changes.scopes = [...new Set([...mapped.scopes, ...permissionsOf(payload)])];
    return changes;
  };
}
