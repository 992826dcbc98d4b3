import { OIDCProxy, grantVerifiedScopes, type OIDCProxyOptions } from '@mcpauth/core';
import type { JWTTuningOptions } from '@mcpauth/jwt';
import { cognitoEndpoints } from './endpoints.js';
import { revokeCognitoRefreshToken } from './revoke.js';
import { cognitoTokenVerifier } from './verifier.js';

/**
 * Options of {@link AWSCognitoProvider}: the user pool, its app client, and everything
 * `OIDCProxy` accepts (`baseUrl`, `store`, `consent`, `forward`, `validScopes`, `hooks`, …) except
 * `upstream`, which is Cognito.
 *
 * @example
 * ```ts
 * const options: AWSCognitoProviderOptions = {
 *   userPoolId: 'us-east-1_AbCdEf123',
 *   clientId, clientSecret,
 *   baseUrl: 'https://mcp.example.com',
 * };
 * ```
 */
export type AWSCognitoProviderOptions = Omit<OIDCProxyOptions, 'upstream'> & {
  /** The user pool id, `{region}_{id}` (Amazon Cognito → User pools → Overview). */
  userPoolId: string;
  /** The pool's region. Default: the prefix of `userPoolId`. */
  region?: string | undefined;
  /** The app client's id (a confidential client, "Traditional web application"). */
  clientId: string;
  /** The app client's secret. */
  clientSecret: string;
  /** Scopes asked of Cognito (the app client must allow them). Default `['openid']`. */
  upstreamScopes?: readonly string[] | undefined;
  /**
   * Read `cognito:groups` as the Cognito token's scopes, and grant an MCP client only the scopes
   * named like groups the user is in. Default `false`.
   */
  groupsAsScopes?: boolean | undefined;
  /** Replaces `https://cognito-idp.{region}.amazonaws.com` (a local emulator; https, http only on loopback). */
  serviceUrl?: string | URL | undefined;
  /** Tuning of the JWT verification (clock tolerance, cache, JWKS refresh). The clock is the provider's `now`. */
  jwt?: JWTTuningOptions | undefined;
};

/** Cognito's options as `OIDCProxy` options. */
function cognitoProxyOptions(options: AWSCognitoProviderOptions): OIDCProxyOptions {
  if (!options || typeof options !== 'object') throw new TypeError('AWSCognitoProvider: options are required');
  const { userPoolId, region, clientId, clientSecret, upstreamScopes, groupsAsScopes, serviceUrl, jwt, consent, hooks, ...proxy } = options;
  if (typeof clientId !== 'string' || clientId.length === 0)
    throw new TypeError('AWSCognitoProvider: clientId (the app client id) is required');
  if (typeof clientSecret !== 'string' || clientSecret.length === 0) {
    throw new TypeError('AWSCognitoProvider: clientSecret is required (an app client with a client secret)');
  }
  if (groupsAsScopes !== undefined && typeof groupsAsScopes !== 'boolean')
    throw new TypeError('AWSCognitoProvider: groupsAsScopes must be a boolean');
  const endpoints = cognitoEndpoints(userPoolId, { region, serviceUrl });
  return {
    ...proxy,
    upstream: {
      configUrl: endpoints.configUrl,
      clientId,
      clientSecret,
      scopes: upstreamScopes ?? ['openid'],
      verifier: ({ jwksUri, issuer }) =>
        cognitoTokenVerifier({
          ...jwt,
          jwksUri,
          issuer,
          clientId, // Cognito access tokens have no aud: client_id names the app client
          groupsAsScopes,
          http: proxy.http,
          onInvalidToken: proxy.onError,
          logger: proxy.logger,
          now: proxy.now,
        }),
    },
    consent: { providerName: 'Amazon Cognito', ...consent },
    hooks: {
      // Every claim of the Cognito access token (sub, username, cognito:groups, …) for the MCP server.
      upstreamClaims: (upstream) => Object.fromEntries(Object.entries(upstream.claims).filter(([, v]) => v !== null)),
      revokeUpstream: revokeCognitoRefreshToken,
      // the verified Cognito token's scopes are the user's groups: grant those requested
      ...(groupsAsScopes ? { grantScopes: grantVerifiedScopes } : {}),
      ...hooks,
    },
  };
}

/**
 * An OAuth 2.1 authorization server for MCP clients in front of an Amazon Cognito user pool (an
 * `OIDCProxy`): clients register with your server (DCR or CIMD) and get its tokens; users sign in
 * with Cognito's managed login after a consent page. The pool's endpoints, JWKS and issuer come
 * from OpenID discovery at
 * `https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/openid-configuration` (the
 * region from the pool id); Cognito's access tokens stay on the server and are verified with
 * {@link cognitoTokenVerifier} (`client_id` instead of the missing `aud`, `token_use` = `access`).
 * Your tokens carry the Cognito identity (`sub`, `upstream_claims` = `CognitoClaims`).
 *
 * The MCP client's scopes are this server's: they are not sent to Cognito, and are granted on
 * consent, or with `groupsAsScopes` only those named like the user's Cognito groups. Revoking a
 * token here ends the session and revokes the Cognito refresh token at `/oauth2/revoke`.
 *
 * @example
 * ```ts
 * import { AWSCognitoProvider } from '@mcpauth/aws';
 * const auth = new AWSCognitoProvider({
 *   userPoolId: 'us-east-1_AbCdEf123',
 *   clientId: process.env.COGNITO_CLIENT_ID!,
 *   clientSecret: process.env.COGNITO_CLIENT_SECRET!,
 *   baseUrl: 'https://mcp.example.com', // callback: https://mcp.example.com/auth/callback
 * });
 * await auth.ready(); // discovery now rather than on the first request
 * ```
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */
export class AWSCognitoProvider extends OIDCProxy {
  constructor(options: AWSCognitoProviderOptions) {
    super(cognitoProxyOptions(options));
  }
}
