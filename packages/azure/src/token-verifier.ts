import { TokenInvalidError, UpstreamError, type Clock, type InvalidTokenHook } from '@mcpauth/core';
import { fetchJson, SingleFlight, type HttpClientOptions } from '@mcpauth/core/kit';
import { JWTVerifier, type JWTClaimsHook, type JWTVerifierCommonOptions, type JWTVerifierJwksOptions } from '@mcpauth/jwt';
import { azureEndpoints, isGuid, MICROSOFT_ACCOUNTS_TENANT_ID, type AzureEndpoints } from './endpoints.js';

/**
 * The claims of a Microsoft Entra ID v2.0 access token issued for your API (`token.claims`).
 * `oid` + `tid` identify the user across apps; `sub` is pairwise (one value per user and app).
 * `groups` is absent when the user has too many groups (the token then carries `hasgroups` or
 * `_claim_names`: read them from Microsoft Graph).
 *
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
 */
export type AzureClaims = {
  /** `https://{authority}/{tid}/v2.0`. */
  iss: string;
  /** Your app's client id (v2.0 tokens). */
  aud: string;
  sub: string;
  /** The tenant the user signed in to (`9188040d-…` for personal Microsoft accounts). */
  tid: string;
  /** The user's object id in that tenant. */
  oid?: string;
  /** The client that requested the token (your app, for tokens the proxy obtained). */
  azp?: string;
  /** Delegated scopes, space-separated, without the identifier URI. */
  scp?: string;
  /** App roles assigned to the user (or the calling app). */
  roles?: string[];
  /** Group object ids (when configured in Token configuration and not over the limit). */
  groups?: string[];
  name?: string;
  preferred_username?: string;
  /** Only with the `email` optional claim configured (and not for every account). */
  email?: string;
  ver: '2.0';
  exp: number;
  iat: number;
  [claim: string]: unknown;
};

/**
 * Options of {@link AzureTokenVerifier}: your app registration, the tenant(s) to accept, and
 * tuning of the JWT checks.
 *
 * @example
 * ```ts
 * const options: AzureTokenVerifierOptions = { clientId: process.env.AZURE_CLIENT_ID!, tenantId: 'organizations', allowedTenants: [contosoTenantId] };
 * ```
 */
export type AzureTokenVerifierOptions = Pick<
  JWTVerifierCommonOptions,
  'clockTolerance' | 'maxTokenAge' | 'cache' | 'requiredScopes' | 'logger'
> &
  Omit<JWTVerifierJwksOptions, 'jwksUri' | 'publicKey' | 'secret'> & {
    /** Your app's Application (client) ID: the `aud` of v2.0 tokens for your API. */
    clientId: string;
    /** A tenant GUID, one of its domains, or `common` / `organizations` / `consumers`. */
    tenantId: string;
    /** The sign-in host of the cloud. Default `login.microsoftonline.com`. */
    authority?: string | undefined;
    /** Your API's Application ID URI, also accepted as `aud`. Default `api://{clientId}`. */
    identifierUri?: string | undefined;
    /**
     * For `common` / `organizations`: the tenant GUIDs whose users are accepted (others are
     * refused). Default: any tenant (every token's issuer is still checked against its own `tid`).
     */
    allowedTenants?: readonly string[] | undefined;
    /** App roles (`roles` claim) granting scopes: `{ 'Notes.Admin': ['notes:admin'] }`. */
    appRoleScopes?: Readonly<Record<string, readonly string[]>> | undefined;
    /** Told why each token was refused (a v1.0 token, another tenant, …); never given a token. */
    onInvalidToken?: InvalidTokenHook | undefined;
    /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
    now?: Clock | undefined;
  };

/** `identifierUri` or its default, checked. */
export function resolveIdentifierUri(identifierUri: string | undefined, clientId: string, owner: string): string {
  const uri = identifierUri ?? `api://${clientId}`;
  if (typeof uri !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(uri) || /[\s?#]/.test(uri)) {
    throw new TypeError(`${owner}: identifierUri must be your app's Application ID URI, e.g. api://${clientId}`);
  }
  return uri.replace(/\/+$/, '');
}

/** The tenant GUIDs a multi-tenant app accepts, lower-cased (`TypeError` naming `owner` for a bad list). */
export function tenantList(
  allowed: readonly string[] | undefined,
  kind: AzureEndpoints['kind'],
  owner: string,
): ReadonlySet<string> | undefined {
  if (allowed === undefined) return undefined;
  if (kind !== 'common' && kind !== 'organizations') {
    throw new TypeError(`${owner}: allowedTenants is for tenantId common or organizations (a single tenant accepts only itself)`);
  }
  if (!Array.isArray(allowed) || allowed.length === 0 || !allowed.every(isGuid)) {
    throw new TypeError(`${owner}: allowedTenants must be a non-empty list of tenant GUIDs`);
  }
  return new Set(allowed.map((t) => t.toLowerCase()));
}

/** Role → scopes map, checked. */
export function roleScopeMap(map: AzureTokenVerifierOptions['appRoleScopes'], owner: string): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  if (map === undefined) return out;
  if (typeof map !== 'object' || map === null) throw new TypeError(`${owner}: appRoleScopes must map role values to scope lists`);
  for (const [role, scopes] of Object.entries(map)) {
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
      throw new TypeError(`${owner}: appRoleScopes["${role}"] must be a list of scope names`);
    }
    out.set(role, scopes);
  }
  return out;
}

/**
 * The tenant GUID behind a domain tenant, read once from its OpenID configuration (`issuer` is
 * `{authority}/{guid}/v2.0`); a failure is an outage (`UpstreamError`) and is retried next time.
 */
function domainTenantResolver(endpoints: AzureEndpoints, http: HttpClientOptions): () => Promise<string> {
  let resolved: string | undefined;
  const flight = new SingleFlight<string, string>();
  return async () => {
    if (resolved !== undefined) return resolved;
    return flight.run('tenant', async () => {
      const { json } = await fetchJson(endpoints.openidConfigurationUrl, {}, http);
      const prefix = `${endpoints.authority}/`;
      const issuer = json['issuer'];
      const guid = typeof issuer === 'string' && issuer.startsWith(prefix) ? issuer.slice(prefix.length, -'/v2.0'.length) : '';
      if (!isGuid(guid) || issuer !== endpoints.issuerOf(guid)) {
        throw new UpstreamError('invalid_body', `The OpenID configuration of ${endpoints.tenant} names no v2.0 tenant issuer`);
      }
      resolved = guid.toLowerCase();
      return resolved;
    });
  };
}

/**
 * Entra ID's checks after the signature, audience and expiry: a v2.0 token (a v1.0 one is refused
 * naming the manifest setting), a `tid` of an accepted tenant, and `iss` equal to the v2.0 issuer
 * of that very `tid` (multi-tenant too: the issuer check is never dropped); scopes from `scp` plus
 * those granted by the user's app roles.
 */
function entraClaims(
  endpoints: AzureEndpoints,
  allowed: ReadonlySet<string> | undefined,
  roleScopes: ReadonlyMap<string, readonly string[]>,
  domainTenant: () => Promise<string>,
): JWTClaimsHook {
  return async (payload, mapped) => {
    if (payload['ver'] !== '2.0') {
      throw new TokenInvalidError(
        'claim',
        payload['ver'] === '1.0'
          ? 'Entra ID issued a v1.0 access token: set "requestedAccessTokenVersion": 2 in the app registration manifest (api section; "accessTokenAcceptedVersion" in the older manifest)'
          : 'Not an Entra ID v2.0 access token (no ver "2.0")',
      );
    }
    const tid = payload['tid'];
    if (!isGuid(tid)) throw new TokenInvalidError('claim', 'Token has no tenant id (tid)');
    const tenant = tid.toLowerCase();
    const accepted =
      endpoints.kind === 'tenant'
        ? tenant === endpoints.tenant
        : endpoints.kind === 'domain'
          ? tenant === (await domainTenant())
          : endpoints.kind === 'consumers'
            ? tenant === MICROSOFT_ACCOUNTS_TENANT_ID
            : (endpoints.kind === 'common' || tenant !== MICROSOFT_ACCOUNTS_TENANT_ID) && (allowed === undefined || allowed.has(tenant));
    if (!accepted) throw new TokenInvalidError('issuer', `Token of tenant ${tenant}, which this server does not accept`);
    if (payload.iss !== endpoints.issuerOf(tid)) {
      throw new TokenInvalidError('issuer', `Token issuer is not the v2.0 issuer of its own tenant ${tenant}`);
    }
    const roles = Array.isArray(payload['roles']) ? payload['roles'] : [];
    const fromRoles = roles.flatMap((r) => (typeof r === 'string' ? (roleScopes.get(r) ?? []) : []));
    return fromRoles.length > 0 ? { scopes: [...new Set([...mapped.scopes, ...fromRoles])] } : undefined;
  };
}

/**
 * Verifies Microsoft Entra ID v2.0 access tokens issued for your API (a `JWTVerifier`): RS256
 * signatures against `https://{authority}/{tenant}/discovery/v2.0/keys`, `aud` equal to your
 * client id or identifier URI, and the tenant done right: a single tenant accepts only its own
 * `tid` and issuer; `common` / `organizations` accept any (or the `allowedTenants`) tenant but
 * still require `iss` to be `https://{authority}/{tid}/v2.0` for the token's own `tid`, read only
 * after the signature is verified. v1.0 tokens are refused with a message naming the manifest
 * setting (`requestedAccessTokenVersion: 2`). Scopes are `scp` (short names) plus the scopes
 * `appRoleScopes` maps the user's app roles to. It follows core's verifier policy (invalid →
 * `null`, JWKS outage → `UpstreamError`).
 *
 * @example
 * ```ts
 * import { AzureTokenVerifier } from '@mcpauth/azure';
 * const verifier = new AzureTokenVerifier({ clientId: process.env.AZURE_CLIENT_ID!, tenantId: process.env.AZURE_TENANT_ID! });
 * const token = await verifier.verifyToken(raw); // token.claims: AzureClaims, or null
 * ```
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-tokens
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
 * @see https://www.rfc-editor.org/rfc/rfc7519
 */
export class AzureTokenVerifier extends JWTVerifier {
  /** The endpoints of the configured tenant. */
  readonly endpoints: AzureEndpoints;

  constructor(options: AzureTokenVerifierOptions) {
    if (!options || typeof options.clientId !== 'string' || options.clientId.length === 0) {
      throw new TypeError('AzureTokenVerifier: clientId is required');
    }
    const { clientId, tenantId, authority, identifierUri, allowedTenants, appRoleScopes, ...jwt } = options;
    const endpoints = azureEndpoints({ tenantId, authority });
    const uri = resolveIdentifierUri(identifierUri, clientId, 'AzureTokenVerifier');
    const http: HttpClientOptions = { fetch: jwt.fetch, ky: jwt.ky, timeoutMs: jwt.timeoutMs, maxResponseBytes: jwt.maxResponseBytes };
    super({
      ...jwt,
      jwksUri: endpoints.jwksUri,
      audience: [clientId, uri],
      algorithms: ['RS256'],
      claims: entraClaims(
        endpoints,
        tenantList(allowedTenants, endpoints.kind, 'AzureTokenVerifier'),
        roleScopeMap(appRoleScopes, 'AzureTokenVerifier'),
        domainTenantResolver(endpoints, http),
      ),
    });
    this.endpoints = endpoints;
  }
}
