import { AuthorizeError, OAuthProxy, type OAuthProxyOptions, type ProxyForwardOptions } from '@mcpauth/core';
import { accountPolicy, accountRefusal } from './account-policy.js';
import { googleEndpoints, type GoogleEndpoints } from './endpoints.js';
import { googleTokenRevoker } from './revoke.js';
import { readsUserInfo } from './scopes.js';
import { GoogleTokenVerifier, type GoogleTokenVerifierOptions } from './token-verifier.js';

/**
 * Options of {@link GoogleProvider}: your Google OAuth client, the Google scopes and authorization
 * parameters, who may sign in, plus everything `OAuthProxy` accepts (`baseUrl`, `store`,
 * `consent`, `validScopes`, `requiredScopes`, …) except `upstream`, which is Google.
 *
 * @example
 * ```ts
 * const options: GoogleProviderOptions = { clientId, clientSecret, baseUrl: 'https://mcp.example.com', hostedDomain: 'example.com' };
 * ```
 */
export type GoogleProviderOptions = Omit<OAuthProxyOptions, 'upstream' | 'forward'> & {
  /** The OAuth client id (`….apps.googleusercontent.com`, a "Web application" client). */
  clientId: string;
  /** The OAuth client secret (`GOCSPX-…`). */
  clientSecret: string;
  /**
   * The Google scopes requested (only these: the scopes MCP clients ask for are this server's).
   * Default `['openid', 'email', 'profile']`; `email` and `profile` may be written short or long
   * (`https://www.googleapis.com/auth/userinfo.email`); at least one of `openid`, `email`,
   * `profile` is required (Google names the user only then). Add the scopes of the Google APIs
   * your tools call for the user (e.g. `https://www.googleapis.com/auth/drive.readonly`).
   */
  upstreamScopes?: readonly string[] | undefined;
  /**
   * Parameters added to Google's authorization URL, over the defaults `access_type: 'offline'`
   * and `prompt: 'consent'` (which make Google return a refresh token every time); `undefined`
   * removes a default (e.g. `{ prompt: undefined }`, or `{ access_type: 'online' }` for no refresh
   * token). `login_hint`, `include_granted_scopes`, … The protocol parameters the proxy sets
   * (`client_id`, `redirect_uri`, `state`, `scope`, PKCE) are refused.
   */
  extraAuthorizeParams?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Accept only accounts of this Google Workspace domain (or of one of these): the verified `hd`
   * claim must match. Also sent to Google as the `hd` hint (`*` for several) so the account
   * chooser offers only such accounts; the hint alone proves nothing, the check does. Checked at
   * sign-in: another account is refused with `access_denied` to the MCP client (RFC 6749 §4.1.2.1).
   */
  hostedDomain?: string | readonly string[] | undefined;
  /** Accept only accounts with a verified email address (else `access_denied` at sign-in, as for `hostedDomain`). Default `false`. */
  requireVerifiedEmail?: boolean | undefined;
  /** Google's endpoints; default {@link googleEndpoints}() (a test double: `googleEndpoints(origin)`). */
  endpoints?: GoogleEndpoints | undefined;
  /**
   * Tuning of the `GoogleTokenVerifier` that checks Google tokens (cache, timeouts, clock). The
   * Google scopes a user must grant are not checked here: ask for them with `upstreamScopes`.
   */
  verifier?:
    | Omit<
        GoogleTokenVerifierOptions,
        'clientId' | 'endpoints' | 'hostedDomain' | 'requireVerifiedEmail' | 'requiredScopes' | 'onInvalidToken' | 'logger'
      >
    | undefined;
  /** PKCE (default on) and `resource` (default off; Google does not support it); the client's scopes are never sent to Google. */
  forward?: Omit<ProxyForwardOptions, 'scopes'> | undefined;
};

/** Set by the proxy itself: an `extraAuthorizeParams` entry may not replace them. */
const PROTOCOL_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'scope',
  'code_challenge',
  'code_challenge_method',
  'resource',
];

function authorizeParams(options: GoogleProviderOptions): Record<string, string> {
  const extra = options.extraAuthorizeParams ?? {};
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
    throw new TypeError('GoogleProvider: extraAuthorizeParams must be an object of strings');
  }
  const params: Record<string, string | undefined> = { access_type: 'offline', prompt: 'consent' };
  const domains = options.hostedDomain;
  if (domains !== undefined) params['hd'] = typeof domains === 'string' ? domains : domains.length === 1 ? domains[0] : '*';
  for (const [name, value] of Object.entries(extra)) {
    if (PROTOCOL_PARAMS.includes(name)) throw new TypeError(`GoogleProvider: extraAuthorizeParams may not set ${name} (the proxy sets it)`);
    if (value !== undefined && typeof value !== 'string')
      throw new TypeError(`GoogleProvider: extraAuthorizeParams.${name} must be a string`);
    params[name] = value;
  }
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Google's options as `OAuthProxy` options. */
function googleProxyOptions(options: GoogleProviderOptions): OAuthProxyOptions {
  if (!options || typeof options.clientId !== 'string' || options.clientId.length === 0) {
    throw new TypeError('GoogleProvider: clientId is required');
  }
  if (typeof options.clientSecret !== 'string' || options.clientSecret.length === 0) {
    throw new TypeError('GoogleProvider: clientSecret is required');
  }
  const extraAuthorizeParams = authorizeParams(options);
  const policy = accountPolicy(options, 'GoogleProvider');
  if (Array.isArray(options.upstreamScopes) && !readsUserInfo(options.upstreamScopes)) {
    throw new TypeError(
      'GoogleProvider: upstreamScopes must include openid, email or profile (without them Google does not say who signed in)',
    );
  }
  const {
    clientId,
    clientSecret,
    upstreamScopes,
    extraAuthorizeParams: _given,
    hostedDomain: _hostedDomain,
    requireVerifiedEmail: _requireVerifiedEmail,
    endpoints,
    verifier,
    forward,
    consent,
    hooks,
    ...proxy
  } = options;
  const google = endpoints ?? googleEndpoints();
  return {
    ...proxy,
    upstream: {
      authorizationEndpoint: google.authorizationEndpoint,
      tokenEndpoint: google.tokenEndpoint,
      clientId,
      clientSecret,
      authMethod: 'client_secret_post',
      scopes: upstreamScopes ?? ['openid', 'email', 'profile'],
      extraAuthorizeParams,
      verifier: new GoogleTokenVerifier({
        ...proxy.http,
        ...verifier,
        clientId,
        endpoints: google,
        onInvalidToken: options.onError,
        logger: options.logger,
      }),
    },
    // The client's scopes are this server's; Google is asked for the Google scopes only and
    // cannot vouch for this server's: the default policy grants what the user approved on the
    // consent page. Pass `hooks.grantScopes` to limit scopes to some users (by email, hd, …).
    forward: { ...forward, scopes: false },
    consent: { providerName: 'Google', ...consent },
    hooks: {
      revokeUpstream: googleTokenRevoker(google.revocationEndpoint),
      ...hooks,
      // Who may sign in is decided here, once per sign-in (a policy refusal, not an invalid
      // token): the client gets access_denied. Runs before any upstreamClaims hook given.
      upstreamClaims: (upstream, response) => {
        const refusal = accountRefusal(upstream.claims, policy);
        if (refusal !== undefined) throw new AuthorizeError('access_denied', `${refusal}: it may not sign in to this server`);
        return hooks?.upstreamClaims ? hooks.upstreamClaims(upstream, response) : { ...upstream.claims };
      },
    },
  };
}

/**
 * An OAuth 2.1 authorization server for MCP clients in front of Google (an `OAuthProxy`):
 * clients register with your server (DCR or CIMD) and get its tokens; users approve the client
 * on a consent page and sign in with your Google OAuth client; Google's tokens stay on the server
 * and are checked with Google's tokeninfo and userinfo endpoints ({@link GoogleTokenVerifier}:
 * only tokens issued to your client id are accepted). Your tokens carry the Google identity
 * (`sub` = the Google account id, `upstream_claims` = {@link GoogleClaims}).
 *
 * Google defaults: scopes `openid email profile`, `access_type=offline` and `prompt=consent` on
 * the authorization URL so that Google returns a refresh token each time (the proxy refreshes
 * Google's one-hour access tokens with it; both overridable in `extraAuthorizeParams`),
 * `client_secret_post` at the token endpoint, PKCE S256, no RFC 8707 `resource` upstream, and
 * never the MCP client's scopes (they are this server's: every user who signs in and approves is
 * granted them; restrict with `hooks.grantScopes`, `hostedDomain` or `requireVerifiedEmail`).
 * Revoking a token here ends the session and revokes the Google grant at Google's revocation
 * endpoint. Built with `new`; `await auth.ready()` derives its keys at start-up.
 *
 * @example
 * ```ts
 * import { GoogleProvider } from '@mcpauth/google';
 * const auth = new GoogleProvider({
 *   clientId: process.env.GOOGLE_CLIENT_ID!,
 *   clientSecret: process.env.GOOGLE_CLIENT_SECRET!,
 *   baseUrl: 'https://mcp.example.com', // redirect URI: https://mcp.example.com/auth/callback
 *   hostedDomain: 'example.com', // only accounts of this Google Workspace
 * });
 * // serve auth.routes; guard /mcp with auth.guard
 * ```
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export class GoogleProvider extends OAuthProxy {
  constructor(options: GoogleProviderOptions) {
    super(googleProxyOptions(options));
  }
}
