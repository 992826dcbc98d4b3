/**
 * RFC 8414 authorization server metadata.
 *
 * @module
 */
import { corsHeaders, type FetchHandler } from '../http/router.js';
import { secureUrl } from '../lib/url.js';
import { TOKEN_ENDPOINT_AUTH_METHODS } from './client-metadata.js';
import { methodNotAllowed } from './request.js';

/** The RFC 8414 metadata document this authorization server publishes. */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint?: string;
  revocation_endpoint: string;
  scopes_supported?: string[];
  response_types_supported: string[];
  response_modes_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  code_challenge_methods_supported: string[];
  client_id_metadata_document_supported: boolean;
  authorization_response_iss_parameter_supported: boolean;
  service_documentation?: string;
  [member: string]: unknown;
}

/**
 * The canonical form of an issuer identifier (RFC 8414 §2): an `https` URL (or `http` on a
 * loopback host, for development) without query or fragment, and without a trailing slash.
 * Throws `TypeError` for anything else.
 *
 * @example
 * ```ts
 * normalizeIssuer('https://auth.example.com/'); // 'https://auth.example.com'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function normalizeIssuer(issuer: string | URL): string {
  const url = secureUrl(issuer, 'Authorization server: issuerUrl');
  if (url.search || url.username || url.password) {
    throw new TypeError('Authorization server: issuerUrl must not have a query, fragment or user information');
  }
  return url.href.replace(/\/$/, '');
}

/**
 * The RFC 8414 well-known URL of an issuer's metadata: the well-known segment goes between the
 * host and the issuer's path (`https://example.com/tenant` →
 * `https://example.com/.well-known/oauth-authorization-server/tenant`).
 *
 * @example
 * ```ts
 * authorizationServerMetadataUrl('https://auth.example.com'); // 'https://auth.example.com/.well-known/oauth-authorization-server'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function authorizationServerMetadataUrl(issuer: string): string {
  const url = new URL(normalizeIssuer(issuer));
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/** Serve a metadata document: GET / HEAD with CORS, OPTIONS preflight. */
export function metadataHandler(document: AuthorizationServerMetadata): FetchHandler {
  const body = JSON.stringify(document);
  return async (request) => {
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: corsHeaders(['GET']) });
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET', 'HEAD', 'OPTIONS'], corsHeaders(['GET']));
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { ...corsHeaders(['GET']), 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' },
    });
  };
}

/** What the metadata document is built from. */
export interface MetadataInput {
  issuer: string;
  endpoints: { authorization: string; token: string; revocation: string; registration?: string | undefined };
  scopesSupported?: readonly string[] | undefined;
  grantTypesSupported: readonly string[];
  clientIdMetadataDocumentSupported: boolean;
  serviceDocumentation?: string | undefined;
}

/** Build the metadata document. `offline_access` is never listed in `scopes_supported`. */
export function buildAuthorizationServerMetadata(input: MetadataInput): AuthorizationServerMetadata {
  const document: AuthorizationServerMetadata = {
    issuer: input.issuer,
    authorization_endpoint: input.endpoints.authorization,
    token_endpoint: input.endpoints.token,
    revocation_endpoint: input.endpoints.revocation,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...input.grantTypesSupported],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: input.clientIdMetadataDocumentSupported,
    authorization_response_iss_parameter_supported: true,
  };
  if (input.endpoints.registration) document.registration_endpoint = input.endpoints.registration;
  const scopes = input.scopesSupported?.filter((s) => s !== 'offline_access');
  if (scopes && scopes.length > 0) document.scopes_supported = scopes;
  if (input.serviceDocumentation) document.service_documentation = input.serviceDocumentation;
  return document;
}
