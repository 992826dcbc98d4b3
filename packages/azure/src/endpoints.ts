import { secureUrl } from '@mcpauth/core/kit';

/** The tenant id of personal Microsoft accounts: the `tid` of every token the `consumers` tenant issues. */
export const MICROSOFT_ACCOUNTS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Whether `value` is a tenant (or user, app) GUID. */
export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/**
 * How the tenant in the endpoints is named: one tenant (`tenant`, by its GUID or one of its
 * domains), personal Microsoft accounts only (`consumers`), or any work/school tenant with
 * (`common`) or without (`organizations`) personal accounts.
 */
export type AzureTenantKind = 'tenant' | 'domain' | 'consumers' | 'organizations' | 'common';

/** The Microsoft Entra ID endpoints of one tenant (or multi-tenant segment) at one authority. */
export interface AzureEndpoints {
  /** The authority origin, e.g. `https://login.microsoftonline.com`. */
  authority: string;
  /** The tenant segment of the URLs, as configured (a GUID in lower case, a domain, `common`, …). */
  tenant: string;
  kind: AzureTenantKind;
  /** `{authority}/{tenant}/oauth2/v2.0/authorize`. */
  authorizationEndpoint: string;
  /** `{authority}/{tenant}/oauth2/v2.0/token`. */
  tokenEndpoint: string;
  /** `{authority}/{tenant}/discovery/v2.0/keys`. */
  jwksUri: string;
  /** `{authority}/{tenant}/v2.0/.well-known/openid-configuration` (it names a domain tenant's GUID in `issuer`). */
  openidConfigurationUrl: string;
  /** The v2.0 issuer of tokens of tenant `tid`: `{authority}/{tid}/v2.0`. */
  issuerOf(tid: string): string;
  /** The token endpoint of tenant `tid` (on-behalf-of requests go to the user's own tenant). */
  tokenEndpointOf(tid: string): string;
}

/**
 * Microsoft Entra ID's v2.0 endpoints for a tenant: `tenantId` is a tenant GUID, one of its
 * domains (`contoso.onmicrosoft.com`), or `common`, `organizations`, `consumers`; `authority` is
 * the cloud's sign-in host (`login.microsoftonline.com`, the default; `login.microsoftonline.us`
 * for US Government, `login.partner.microsoftonline.cn` for China), or an https origin (http only
 * on loopback, for tests). Bad values throw `TypeError`.
 *
 * @example
 * ```ts
 * azureEndpoints({ tenantId: 'organizations' }).tokenEndpoint; // 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token'
 * azureEndpoints({ tenantId: 'contoso.onmicrosoft.com', authority: 'login.microsoftonline.us' }).jwksUri;
 * // 'https://login.microsoftonline.us/contoso.onmicrosoft.com/discovery/v2.0/keys'
 * ```
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/authentication-national-cloud
 */
export function azureEndpoints(options: { tenantId: string; authority?: string | undefined }): AzureEndpoints {
  const { tenantId, authority = 'login.microsoftonline.com' } = options;
  if (typeof tenantId !== 'string' || tenantId.length === 0) throw new TypeError('Azure: tenantId is required');
  const special = ['common', 'organizations', 'consumers'] as const;
  const lower = tenantId.toLowerCase();
  const kind: AzureTenantKind = (special as readonly string[]).includes(lower)
    ? (lower as AzureTenantKind)
    : GUID.test(tenantId)
      ? 'tenant'
      : DOMAIN.test(tenantId)
        ? 'domain'
        : invalidTenant(tenantId);
  if (typeof authority !== 'string' || authority.length === 0)
    throw new TypeError('Azure: authority must be a host name or an https origin');
  const url = secureUrl(authority.includes('://') ? authority : `https://${authority}`, 'Azure: authority');
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new TypeError('Azure: authority must be a host name (login.microsoftonline.com) or an origin, without a path');
  }
  const base = url.origin;
  const tenant = lower;
  return {
    authority: base,
    tenant,
    kind,
    authorizationEndpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
    tokenEndpoint: `${base}/${tenant}/oauth2/v2.0/token`,
    jwksUri: `${base}/${tenant}/discovery/v2.0/keys`,
    openidConfigurationUrl: `${base}/${tenant}/v2.0/.well-known/openid-configuration`,
    issuerOf: (tid) => `${base}/${tid}/v2.0`,
    tokenEndpointOf: (tid) => `${base}/${encodeURIComponent(tid)}/oauth2/v2.0/token`,
  };
}

function invalidTenant(tenantId: string): never {
  throw new TypeError(
    `Azure: tenantId "${tenantId.slice(0, 80)}" is not a tenant GUID, a domain, or one of common, organizations, consumers`,
  );
}
