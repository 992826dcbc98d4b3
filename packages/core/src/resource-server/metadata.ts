import { corsHeaders, jsonResponse, preflightResponse, type FetchHandler, type Route } from '../http/router.js';
import { secureUrl } from '../lib/url.js';
import { protectedResourceMetadataUrl } from './resource-url.js';

/** Options of {@link createProtectedResourceMetadata}. */
export interface ProtectedResourceMetadataOptions {
  /** The protected resource's URL, e.g. `https://api.example.com/mcp`: https (http only on loopback). */
  resource: string | URL;
  /** Issuer URLs of the authorization servers that issue tokens for it (at least one; https, http only on loopback). */
  authorizationServers: readonly (string | URL)[];
  /** Scopes the resource understands. `offline_access` is never advertised. */
  scopesSupported?: readonly string[] | undefined;
  /** How bearer tokens may be sent. Default `["header"]`. */
  bearerMethodsSupported?: readonly string[] | undefined;
  /** Human-readable name. */
  resourceName?: string | undefined;
  /** URL of human-readable documentation. */
  resourceDocumentation?: string | URL | undefined;
  /** DPoP proof algorithms the resource accepts (`dpop_signing_alg_values_supported`, RFC 9728 §2). */
  dpopSigningAlgValuesSupported?: readonly string[] | undefined;
  /** The resource accepts DPoP-bound tokens only (`dpop_bound_access_tokens_required`, RFC 9728 §2). */
  dpopBoundAccessTokensRequired?: boolean | undefined;
  /** Further metadata members. */
  extra?: Record<string, unknown> | undefined;
}

/** The RFC 9728 metadata document. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
  resource_documentation?: string;
  [member: string]: unknown;
}

/**
 * Build the RFC 9728 protected resource metadata document, its well-known URL, and the route that
 * serves it (GET, with CORS and an OPTIONS preflight; other methods get 405).
 *
 * @example
 * ```ts
 * const prm = createProtectedResourceMetadata({
 *   resource: 'https://api.example.com/mcp',
 *   authorizationServers: ['https://auth.example.com'],
 *   scopesSupported: ['mcp:tools'],
 * });
 * prm.url;   // https://api.example.com/.well-known/oauth-protected-resource/mcp
 * prm.route; // { path: '/.well-known/oauth-protected-resource/mcp', handler }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function createProtectedResourceMetadata(options: ProtectedResourceMetadataOptions): {
  document: ProtectedResourceMetadata;
  url: string;
  route: Route;
  handler: FetchHandler;
} {
  const resource = secureUrl(options.resource, 'Protected resource metadata: resource');
  if (!options.authorizationServers || options.authorizationServers.length === 0) {
    throw new TypeError('Protected resource metadata: authorizationServers must name at least one authorization server');
  }
  const document: ProtectedResourceMetadata = {
    ...options.extra,
    resource: resource.href,
    authorization_servers: options.authorizationServers.map((s, i) =>
      secureUrl(s, `Protected resource metadata: authorizationServers[${i}]`).href.replace(/\/$/, ''),
    ),
    bearer_methods_supported: [...(options.bearerMethodsSupported ?? ['header'])],
  };
  const scopes = options.scopesSupported?.filter((s) => s !== 'offline_access');
  if (scopes && scopes.length > 0) document.scopes_supported = scopes;
  if (options.dpopSigningAlgValuesSupported && options.dpopSigningAlgValuesSupported.length > 0) {
    document['dpop_signing_alg_values_supported'] = [...options.dpopSigningAlgValuesSupported];
  }
  if (options.dpopBoundAccessTokensRequired) document['dpop_bound_access_tokens_required'] = true;
  if (options.resourceName) document.resource_name = options.resourceName;
  if (options.resourceDocumentation) document.resource_documentation = new URL(options.resourceDocumentation).href;
  const url = protectedResourceMetadataUrl(resource);
  const body = JSON.stringify(document);
  const handler: FetchHandler = async (request) => {
    if (request.method === 'OPTIONS') return preflightResponse(['GET']);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return jsonResponse({ error: 'invalid_request', error_description: 'Method not allowed' }, 405, {
        ...corsHeaders(['GET']),
        Allow: 'GET, HEAD, OPTIONS',
      });
    }
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { ...corsHeaders(['GET']), 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' },
    });
  };
  return { document, url, route: { path: new URL(url).pathname, handler }, handler };
}
