/** The OpenID Connect scopes: sent to Entra as they are, never prefixed. */
const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

/** A scope that already names its resource (`api://…/x`, `https://graph.microsoft.com/User.Read`, `urn:…`). */
function isUri(scope: string): boolean {
  return scope.includes('://') || scope.startsWith('urn:');
}

/**
 * Entra ID's scope rules for one API (the app whose identifier URI is `identifierUri`):
 *
 * - a custom scope is sent as `{identifierUri}/{scope}`; OIDC scopes (`openid profile email
 *   offline_access`) and scopes that are already URIs as they are; `offline_access` always;
 * - scopes in `localOnly` (granted from app roles, unknown to Entra) are never sent;
 * - token and refresh requests carry only this API's scopes and the OIDC scopes: a token is for
 *   one resource, and mixing resources there fails with AADSTS28000.
 *
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-access-token-with-a-client_secret
 */
export class EntraScopes {
  readonly #prefix: string;
  readonly #localOnly: ReadonlySet<string>;

  constructor(identifierUri: string, localOnly: Iterable<string> = []) {
    this.#prefix = `${identifierUri.replace(/\/+$/, '')}/`;
    this.#localOnly = new Set(localOnly);
  }

  /** The scope as Entra knows it. */
  upstream(scope: string): string {
    return OIDC_SCOPES.has(scope) || isUri(scope) ? scope : `${this.#prefix}${scope}`;
  }

  /** Whether an upstream scope is one of this API's. */
  isOwn(upstreamScope: string): boolean {
    return upstreamScope.startsWith(this.#prefix) && upstreamScope.length > this.#prefix.length;
  }

  /** The scopes for the authorization request: prefixed, role-only ones left out, `offline_access` added. */
  authorize(scopes: readonly string[]): string[] {
    const out = scopes.filter((s) => !this.#localOnly.has(s)).map((s) => this.upstream(s));
    return [...new Set([...out, 'offline_access'])];
  }

  /** The scopes for a token or refresh request: {@link authorize}'s, limited to this API's and the OIDC scopes. */
  token(scopes: readonly string[]): string[] {
    return this.authorize(scopes).filter((s) => OIDC_SCOPES.has(s) || this.isOwn(s));
  }

  /** Whether at least one of `scopes` is sent upstream as one of this API's scopes. */
  namesOwn(scopes: readonly string[]): boolean {
    return this.token(scopes).some((s) => this.isOwn(s));
  }
}
