import { secureUrl } from '@mcpauth/core/kit';

/** Google's OAuth 2.0 and OpenID Connect endpoints. */
export interface GoogleEndpoints {
  /** Authorization endpoint (`https://accounts.google.com/o/oauth2/v2/auth`). */
  authorizationEndpoint: string;
  /** Token endpoint: code exchange and refresh (`https://oauth2.googleapis.com/token`). */
  tokenEndpoint: string;
  /** Revocation endpoint (`https://oauth2.googleapis.com/revoke`). */
  revocationEndpoint: string;
  /** Token information endpoint, which says who an access token was issued to (`https://oauth2.googleapis.com/tokeninfo`). */
  tokenInfoEndpoint: string;
  /** OpenID Connect userinfo endpoint (`https://openidconnect.googleapis.com/v1/userinfo`). */
  userInfoEndpoint: string;
}

/**
 * Google's endpoints; or, given `origin`, the same paths on that origin (a test double or an
 * egress proxy that forwards to Google): `{origin}/o/oauth2/v2/auth`, `{origin}/token`,
 * `{origin}/revoke`, `{origin}/tokeninfo`, `{origin}/v1/userinfo`. `origin` must be https (http
 * only on a loopback host): tokens and secrets go there.
 *
 * @example
 * ```ts
 * googleEndpoints().tokenEndpoint;                        // 'https://oauth2.googleapis.com/token'
 * googleEndpoints('http://127.0.0.1:9000').tokenInfoEndpoint; // 'http://127.0.0.1:9000/tokeninfo'
 * ```
 * @see https://accounts.google.com/.well-known/openid-configuration
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 */
export function googleEndpoints(origin?: string): GoogleEndpoints {
  if (origin === undefined) {
    return {
      authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenEndpoint: 'https://oauth2.googleapis.com/token',
      revocationEndpoint: 'https://oauth2.googleapis.com/revoke',
      tokenInfoEndpoint: 'https://oauth2.googleapis.com/tokeninfo',
      userInfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
    };
  }
  const url = secureUrl(origin, 'Google: origin');
  if (url.search) throw new TypeError('Google: origin must not have a query');
  const base = url.href.replace(/\/+$/, '');
  return {
    authorizationEndpoint: `${base}/o/oauth2/v2/auth`,
    tokenEndpoint: `${base}/token`,
    revocationEndpoint: `${base}/revoke`,
    tokenInfoEndpoint: `${base}/tokeninfo`,
    userInfoEndpoint: `${base}/v1/userinfo`,
  };
}
