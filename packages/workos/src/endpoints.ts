import { secureUrl } from '@mcpauth/core/kit';

/** The endpoints of one AuthKit domain (WorkOS Connect and AuthKit's OAuth server). */
export interface WorkOSEndpoints {
  /** The AuthKit domain as an origin, without a trailing slash: the `iss` of its tokens. */
  issuer: string;
  /** `{domain}/oauth2/authorize`. */
  authorizationEndpoint: string;
  /** `{domain}/oauth2/token`. */
  tokenEndpoint: string;
  /** `{domain}/oauth2/userinfo`. */
  userinfoEndpoint: string;
  /** `{domain}/oauth2/jwks`. */
  jwksUri: string;
  /** RFC 8414 metadata: `{domain}/.well-known/oauth-authorization-server`. */
  metadataUrl: string;
}

/**
 * The endpoints of an AuthKit domain (`https://<subdomain>.authkit.app` or your custom auth
 * domain). `https://` is added when the domain has no scheme; the result must be https (http
 * only on a loopback host, for tests) and an origin without a path, query or fragment: tokens and
 * client secrets go there.
 *
 * @example
 * ```ts
 * workosEndpoints('example-app.authkit.app').userinfoEndpoint; // 'https://example-app.authkit.app/oauth2/userinfo'
 * ```
 * @see https://workos.com/docs/reference/workos-connect
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export function workosEndpoints(authkitDomain: string | URL): WorkOSEndpoints {
  if (typeof authkitDomain !== 'string' && !(authkitDomain instanceof URL)) throw new TypeError('WorkOS: authkitDomain is required');
  const raw = String(authkitDomain).trim();
  const url = secureUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`, 'WorkOS: authkitDomain');
  if (url.search || url.pathname !== '/' || url.username || url.password) {
    throw new TypeError(
      'WorkOS: authkitDomain must be a domain or origin, e.g. https://example-app.authkit.app (no path, query or credentials)',
    );
  }
  const issuer = url.origin;
  return {
    issuer,
    authorizationEndpoint: `${issuer}/oauth2/authorize`,
    tokenEndpoint: `${issuer}/oauth2/token`,
    userinfoEndpoint: `${issuer}/oauth2/userinfo`,
    jwksUri: `${issuer}/oauth2/jwks`,
    metadataUrl: `${issuer}/.well-known/oauth-authorization-server`,
  };
}
