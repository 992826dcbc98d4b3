/**
 * What the authorization-server endpoints share: their configuration, and the checks of the
 * `resource` (RFC 8707) and `scope` parameters.
 *
 * @module
 */
import type { OAuthAuthorizationServerProvider } from '../protocols/provider.js';
import { normalizeResource } from '../resource-server/resource-url.js';
import type { KeyValueStore } from '../storage/store.js';
import type { ClientResolver } from './client-auth.js';
import type { ClientAssertionContext } from './client-assertion.js';
import type { DPoPProofVerifier } from '../dpop/proof.js';
import type { Reporter } from '../logging/reporter.js';

/** The configuration every endpoint handler receives. */
export interface EndpointContext {
  provider: OAuthAuthorizationServerProvider;
  /** Normalised issuer identifier (sent as `iss`). */
  issuer: string;
  resolveClient: ClientResolver;
  /** Scopes clients may ask for; `undefined` allows any. */
  scopesSupported: readonly string[] | undefined;
  /** The one protected resource tokens are issued for, when configured. */
  resourceUrl: string | undefined;
  grantTypesSupported: readonly string[];
  /** Largest request body of the form and JSON endpoints, in bytes. */
  maxBodyBytes: number;
  /** Deadline for a request body to arrive, in milliseconds (then `408`). */
  bodyTimeoutMs: number;
  /** Where the server keeps its own counters (registration rate limit). */
  store: KeyValueStore;
  /** Clock in seconds since the epoch. */
  now: () => number;
  /** Reports errors: unexpected ones (they become `server_error`) to `onError`, and every one to the logger. Never a secret. */
  report: Reporter;
  /** DPoP proofs at the token endpoint, when on. */
  dpop?: DPoPProofVerifier | undefined;
}

/** How client assertions (`private_key_jwt`) are checked at this server's token and revocation endpoints. */
export function clientAssertionContext(ctx: EndpointContext): ClientAssertionContext {
  return { audiences: [`${ctx.issuer}/token`, ctx.issuer], store: ctx.store, now: ctx.now };
}

/**
 * The resource a grant is bound to, or `null` when the requested `resource` is not acceptable
 * (the caller answers `invalid_target`). With a configured resource URL, a request naming it
 * (ignoring a trailing slash and a query string some clients append) or naming none gets the
 * configured URL; anything else is refused. Without one, any absolute URL without fragment is
 * accepted as sent.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function resolveResource(requested: string | undefined, configured: string | undefined): string | undefined | null {
  if (requested === undefined) return configured;
  if (requested.includes('#') || normalizeResource(requested) === null) return null;
  if (configured === undefined) return requested;
  const strip = (value: string) => {
    const url = new URL(value);
    url.search = '';
    return normalizeResource(url.href);
  };
  return strip(requested) === strip(configured) ? configured : null;
}

/** Scopes of `requested` that are not in `allowed` (`allowed` undefined: none). */
export function unknownScopes(requested: readonly string[], allowed: readonly string[] | undefined): string[] {
  return allowed === undefined ? [] : requested.filter((s) => !allowed.includes(s));
}
