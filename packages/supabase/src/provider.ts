import { RemoteAuthProvider, TokenInvalidError, type RemoteProviderBaseOptions } from '@mcpauth/core';
import { forwardedMetadataOption, remoteResourceLocation, secureUrl } from '@mcpauth/core/kit';
import { JWTVerifier, type JWTClaimsHook, type JWTTuningOptions } from '@mcpauth/jwt';

/**
 * The claims of a Supabase Auth access token (`token.claims`). OAuth access tokens carry
 * `client_id`; session tokens of your own app (supabase-js) do not.
 *
 * @see https://supabase.com/docs/guides/auth/oauth-server/token-security
 * @see https://supabase.com/docs/guides/auth/jwt-fields
 */
export type SupabaseClaims = {
  iss: string;
  /** The user's UUID. */
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  /** The Postgres role: `authenticated` (or `anon`). */
  role: string;
  /** The OAuth client the token was issued to (OAuth 2.1 server tokens only). */
  client_id?: string;
  email?: string;
  phone?: string;
  /** Authenticator assurance level: `aal1`, `aal2` (MFA). */
  aal?: 'aal1' | 'aal2';
  amr?: { method: string; timestamp: number }[];
  session_id?: string;
  is_anonymous?: boolean;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
  [claim: string]: unknown;
};

/** Options of {@link SupabaseProvider}: the project, where the MCP endpoint is, and anything `RemoteAuthProvider` accepts. */
export type SupabaseProviderOptions = RemoteProviderBaseOptions & {
  /** The project URL, e.g. `https://abcdefghijklmnop.supabase.co` (or your custom domain / self-hosted URL). */
  projectUrl: string | URL;
  /** Path of Supabase Auth under the project URL. Default `/auth/v1`. */
  authRoute?: string | undefined;
  /** The project's JWT signing algorithm (asymmetric keys only). Default `ES256`. */
  algorithm?: 'ES256' | 'RS256' | undefined;
  /** Accepted `aud`. Default `authenticated` (Supabase does not issue tokens for a resource, RFC 8707). */
  audience?: string | readonly string[] | undefined;
  /** Also accept the session tokens of your own app (no `client_id`), not only OAuth tokens. Default `false`. */
  allowSessionTokens?: boolean | undefined;
  /** Tuning of the JWT verification (clock tolerance, verified-token cache, JWKS refresh). The clock is the provider's `now`. */
  jwt?: JWTTuningOptions | undefined;
};

/** Supabase's OAuth access tokens carry `client_id`; the session tokens of your own app do not. */
const oauthTokensOnly: JWTClaimsHook = (payload) => {
  if (typeof payload['client_id'] !== 'string')
    throw new TokenInvalidError('claim', 'Not an OAuth access token (no client_id): a Supabase session token');
};

/** The endpoints of one Supabase project's Auth server. */
export interface SupabaseEndpoints {
  /** `{projectUrl}{authRoute}`: the `iss` of its tokens. */
  issuer: string;
  /** `{issuer}/.well-known/jwks.json`. */
  jwksUri: string;
  /** RFC 8414 metadata: `{projectUrl}/.well-known/oauth-authorization-server{authRoute}`. */
  metadataUrl: string;
}

/**
 * The endpoints of a Supabase project's Auth server. `projectUrl` must be https (http only on a
 * loopback host).
 *
 * @example
 * ```ts
 * supabaseEndpoints('https://abc.supabase.co').jwksUri; // 'https://abc.supabase.co/auth/v1/.well-known/jwks.json'
 * ```
 * @see https://supabase.com/docs/guides/auth/oauth-server/getting-started
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function supabaseEndpoints(projectUrl: string | URL, authRoute = '/auth/v1'): SupabaseEndpoints {
  const url = secureUrl(projectUrl, 'SupabaseProvider: projectUrl');
  if (url.search) throw new TypeError('SupabaseProvider: projectUrl must not have a query or fragment');
  if (!/^(\/[A-Za-z0-9\-._~]+)+$/.test(authRoute)) throw new TypeError('SupabaseProvider: authRoute must be a path such as "/auth/v1"');
  const origin = url.href.replace(/\/+$/, '');
  return {
    issuer: `${origin}${authRoute}`,
    jwksUri: `${origin}${authRoute}/.well-known/jwks.json`,
    metadataUrl: `${url.origin}/.well-known/oauth-authorization-server${url.pathname.replace(/\/+$/, '')}${authRoute}`,
  };
}

/**
 * An MCP resource server for Supabase Auth's OAuth 2.1 server (a `RemoteAuthProvider`):
 * Supabase registers the MCP clients (DCR) and signs users in; this server publishes RFC 9728
 * metadata naming Supabase as the authorization server, forwards Supabase's RFC 8414 metadata,
 * and verifies Supabase's JWTs against the project's JWKS (`ES256` or `RS256`, issuer
 * `{projectUrl}{authRoute}`, audience `authenticated`).
 *
 * Supabase tokens do not name a resource (no RFC 8707): `aud` is `authenticated` for every token
 * of the project, so the audience is checked by the verifier (`audienceCheck: 'verifier'` of
 * `RemoteAuthProvider`) together with the issuer and (unless `allowSessionTokens`) the OAuth
 * `client_id`: any OAuth token of the project is accepted here.
 *
 * @example
 * ```ts
 * import { SupabaseProvider } from '@mcpauth/supabase';
 * const auth = new SupabaseProvider({ projectUrl: 'https://abcdefghijklmnop.supabase.co', baseUrl: 'https://mcp.example.com' });
 * // serve auth.routes; guard /mcp with auth.guard
 * ```
 * @see https://supabase.com/docs/guides/auth/oauth-server/mcp-authentication
 * @see https://www.rfc-editor.org/rfc/rfc9728
 */
export class SupabaseProvider extends RemoteAuthProvider {
  /** The project's Auth endpoints. */
  readonly endpoints: SupabaseEndpoints;

  constructor(options: SupabaseProviderOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('SupabaseProvider: options are required');
    const {
      projectUrl,
      authRoute,
      algorithm = 'ES256',
      audience = 'authenticated',
      allowSessionTokens = false,
      jwt,
      resourceUrl: _resourceUrl,
      baseUrl: _baseUrl,
      mcpPath: _mcpPath,
      ...rest
    } = options;
    if (algorithm !== 'ES256' && algorithm !== 'RS256') throw new TypeError('SupabaseProvider: algorithm must be ES256 or RS256');
    const endpoints = supabaseEndpoints(projectUrl, authRoute);
    const verifier = new JWTVerifier({
      ...jwt,
      ...options.http,
      jwksUri: endpoints.jwksUri,
      issuer: endpoints.issuer,
      audience,
      algorithms: [algorithm],
      claims: allowSessionTokens ? undefined : oauthTokensOnly,
      onInvalidToken: options.onError,
      logger: options.logger,
      now: options.now,
    });
    super({
      ...rest,
      ...remoteResourceLocation(options),
      authorizationServers: [endpoints.issuer],
      verifier,
      audienceCheck: 'verifier',
      forwardAuthorizationServerMetadata: forwardedMetadataOption(endpoints.metadataUrl, rest.forwardAuthorizationServerMetadata),
    });
    this.endpoints = endpoints;
  }
}
