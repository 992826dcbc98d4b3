import type { AuthProvider, KeyValueStore, ProxyDPoPOptions, ScopeGrantContext } from '@mcpauth/core';
import type { EnvVariable } from '../config.js';

/** What the demo hands a provider factory. */
export interface ProviderContext {
  /** The values of the provider's documented variables: required ones are present, defaults applied. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Public origin of the demo, e.g. `http://127.0.0.1:8000` (no trailing slash). */
  readonly baseUrl: string;
  /** Path of the MCP endpoint: `/mcp`. */
  readonly mcpPath: string;
  /** The MCP endpoint URL: the protected resource, the audience tokens must carry. */
  readonly mcpUrl: string;
  /** The scopes the demo's tools use: every request needs none beyond the provider's own; `admin` is the step-up scope. */
  readonly scopes: { readonly admin: string };
  /**
   * The scope-grant policy of the proxy providers (`hooks.grantScopes`): the requested scopes, the
   * admin scope only for the users in `DEMO_ADMINS`.
   */
  readonly grantScopes: (context: ScopeGrantContext) => readonly string[];
  /** Proxy providers pass it as `allowedClientRedirectUris` (`DEMO_ALLOWED_REDIRECT_URIS`); `undefined` keeps the default. */
  readonly allowedRedirectUris: readonly string[] | undefined;
  /** `DEMO_STORE` for the proxy providers; `undefined`: their default memory store. */
  readonly store: KeyValueStore | undefined;
  /** `DEMO_SIGNING_KEY` for the proxy providers' `jwtSigningKey`, when set. */
  readonly signingKey: string | undefined;
  /** The proxy providers' `dpop` option: DPoP accepted, and required with `DEMO_REQUIRE_DPOP`. */
  readonly dpop: ProxyDPoPOptions;
  /** Run `close` when the demo stops (a local IdP, a timer). */
  onClose(close: () => Promise<void> | void): void;
  /** A line to print under "Provider notes" at start-up and on the page (never a secret). */
  note(line: string): void;
  /** Pass to a verifier's `onInvalidToken` or a proxy's `onError`: logs why a token or request was refused (never the token). */
  readonly onAuthError: (error: unknown) => void;
}

/**
 * One entry of the provider registry: one small file per provider under `src/providers/`,
 * listed in `src/providers/index.ts`.
 */
export interface ProviderEntry {
  /** The `AUTH_PROVIDER` value that selects it. */
  readonly name: string;
  /** A short human title, e.g. "GitHub (OAuth proxy)". */
  readonly title: string;
  /** The environment variables it reads, documented (README table and error messages come from them). */
  readonly variables: readonly EnvVariable[];
  /** Build the auth set-up that protects the MCP endpoint. */
  create(context: ProviderContext): Promise<AuthProvider> | AuthProvider;
}

/** Identity helper that type-checks a provider entry. */
export function defineProvider(entry: ProviderEntry): ProviderEntry {
  return entry;
}

/** The scope every MCP request needs with the proxy providers (this server's scope, not an IdP's). */
export const TOOLS_SCOPE = 'mcp:tools';

/**
 * The options every proxy provider of the demo shares (`OAuthProxy`'s, passed through by each
 * provider class): this server's scopes, the consent page, the demo's redirect allow-list, store,
 * signing key, DPoP and error log, and the `DEMO_ADMINS` grant policy unless the IdP decides the
 * scopes itself (`grantScopes: false`, e.g. Auth0 permissions or Cognito groups as scopes).
 */
export function proxyProviderOptions(
  context: ProviderContext,
  options: { requiredScopes?: readonly string[]; providerName?: string; grantScopes?: boolean } = {},
) {
  const required = [...(options.requiredScopes ?? [TOOLS_SCOPE])];
  const descriptions: Record<string, string> = { [context.scopes.admin]: 'See the server status (admin_status)' };
  if (required.includes(TOOLS_SCOPE)) descriptions[TOOLS_SCOPE] = 'Use the demo tools';
  return {
    baseUrl: context.baseUrl,
    mcpPath: context.mcpPath,
    validScopes: [...required, context.scopes.admin],
    requiredScopes: required,
    allowedClientRedirectUris: context.allowedRedirectUris,
    consent: { serverName: 'MCP auth demo', providerName: options.providerName, scopeDescriptions: descriptions },
    onError: context.onAuthError,
    hooks: options.grantScopes === false ? {} : { grantScopes: context.grantScopes },
    store: context.store,
    jwtSigningKey: context.signingKey,
    dpop: context.dpop,
  };
}
