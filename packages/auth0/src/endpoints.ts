import { secureUrl } from '@mcpauth/core/kit';

/** The URLs of one Auth0 tenant (or custom domain). */
export interface Auth0Endpoints {
  /** The issuer of the tenant's tokens: `https://{domain}/`, with Auth0's trailing slash. */
  issuer: string;
  /** OpenID discovery: `https://{domain}/.well-known/openid-configuration`. */
  configUrl: string;
  /** Refresh-token revocation: `https://{domain}/oauth/revoke`. */
  revocationEndpoint: string;
}

/**
 * The URLs of an Auth0 tenant from its domain: `tenant.us.auth0.com`, a custom domain
 * (`login.example.com`), or either as an https URL (`http://` only on a loopback host, for tests
 * and local fakes). The domain is an origin: a path, query or fragment is a `TypeError`.
 *
 * @example
 * ```ts
 * auth0Endpoints('example.us.auth0.com').issuer;    // 'https://example.us.auth0.com/'
 * auth0Endpoints('https://login.example.com').configUrl; // 'https://login.example.com/.well-known/openid-configuration'
 * ```
 * @see https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery
 */
export function auth0Endpoints(domain: string): Auth0Endpoints {
  if (typeof domain !== 'string' || domain.trim().length === 0)
    throw new TypeError('Auth0: domain is required (e.g. "example.us.auth0.com")');
  const value = domain.trim();
  const url = secureUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`, 'Auth0: domain');
  if (url.pathname !== '/' || url.search || url.username || url.password) {
    throw new TypeError('Auth0: domain must be a host name such as "example.us.auth0.com" (no path, query or credentials)');
  }
  return {
    issuer: `${url.origin}/`,
    configUrl: `${url.origin}/.well-known/openid-configuration`,
    revocationEndpoint: `${url.origin}/oauth/revoke`,
  };
}
