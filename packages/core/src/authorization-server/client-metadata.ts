/**
 * Validation of client metadata, shared by dynamic client registration (RFC 7591) and Client ID
 * Metadata Documents: both describe a client the same way.
 *
 * @module
 */
import { RegistrationError } from '../errors/errors.js';
import { parseScopes } from '../protocols/access-token.js';
import { CLIENT_CREDENTIALS_GRANT_TYPE, JWT_BEARER_GRANT_TYPE, type OAuthClientMetadata } from '../protocols/provider.js';
import { MAX_REDIRECT_URI_LENGTH, isLoopbackHttp, redirectUriProblem } from './redirect-uri.js';

/** Token endpoint authentication methods the authorization server supports. */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
/** A supported token endpoint authentication method. */
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** What the metadata is checked against. */
export interface ClientMetadataPolicy {
  /** Grant types this server supports (jwt-bearer only when the provider implements it). */
  grantTypesSupported: readonly string[];
  /** Scopes a client may ask for; `undefined` allows any. */
  scopesSupported?: readonly string[] | undefined;
  /** Authentication method when the metadata names none (RFC 7591: `client_secret_basic`; CIMD: `none`). */
  defaultAuthMethod: TokenEndpointAuthMethod;
  /** Methods allowed (CIMD clients have no shared secret: `none` only). */
  allowedAuthMethods: readonly TokenEndpointAuthMethod[];
}

const MAX_REDIRECT_URIS = 20;
const MAX_TEXT_LENGTH = 512;
const MAX_CONTACTS = 10;
const TEXT_FIELDS = ['client_name', 'software_id', 'software_version'] as const;
const URL_FIELDS = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'jwks_uri'] as const;

const invalid = (description: string) => new RegistrationError('invalid_client_metadata', description);

function stringArray(value: unknown, field: string, max: number): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(`${field} must be an array of strings`);
  if (value.length > max) throw invalid(`${field} has more than ${max} entries`);
  return [...new Set(value as string[])];
}

function webUrl(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > MAX_REDIRECT_URI_LENGTH)
    throw invalid(`${field} must be a URL of at most ${MAX_REDIRECT_URI_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${field} must be an absolute URL`);
  }
  if (url.username || url.password) throw invalid(`${field} must not contain user information`);
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) throw invalid(`${field} must use https`);
  return value;
}

const MAX_KEYS = 10;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** A client's `jwks` (RFC 7591 §2): public keys only, at most ten. */
function publicKeySet(value: unknown): { keys: Record<string, unknown>[] } {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== 'object' || value === null || !Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS) {
    throw invalid(`jwks must be a JWK Set with 1 to ${MAX_KEYS} keys`);
  }
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string')
      throw invalid('jwks keys must be JWKs');
    if (PRIVATE_JWK_MEMBERS.some((m) => m in key)) throw invalid('jwks must hold public keys only');
  }
  if (JSON.stringify(value).length > 16 * 1024) throw invalid('jwks is too large');
  return { keys: keys as Record<string, unknown>[] };
}

/**
 * Validate client metadata and return the registered form: only known members, defaults filled
 * in (`grant_types: ["authorization_code"]`, `response_types: ["code"]`, the policy's
 * authentication method). Throws `RegistrationError` with `invalid_redirect_uri` or
 * `invalid_client_metadata`. `offline_access` in `scope` is dropped: refresh tokens follow the
 * `refresh_token` grant type, not a scope.
 *
 * @example
 * ```ts
 * const metadata = validateClientMetadata(body, {
 *   grantTypesSupported: ['authorization_code', 'refresh_token'],
 *   scopesSupported: ['mcp:tools'],
 *   defaultAuthMethod: 'client_secret_basic',
 *   allowedAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function validateClientMetadata(raw: Record<string, unknown>, policy: ClientMetadataPolicy): OAuthClientMetadata {
  const method = raw['token_endpoint_auth_method'] ?? policy.defaultAuthMethod;
  if (typeof method !== 'string' || !(policy.allowedAuthMethods as readonly string[]).includes(method)) {
    throw invalid(`token_endpoint_auth_method must be one of: ${policy.allowedAuthMethods.join(', ')}`);
  }

  const grantTypes = raw['grant_types'] === undefined ? ['authorization_code'] : stringArray(raw['grant_types'], 'grant_types', 5);
  for (const g of grantTypes) {
    if (!policy.grantTypesSupported.includes(g)) throw invalid(`Unsupported grant type "${g}"`);
  }
  if ((grantTypes.includes(JWT_BEARER_GRANT_TYPE) || grantTypes.includes(CLIENT_CREDENTIALS_GRANT_TYPE)) && method === 'none') {
    throw invalid('The jwt-bearer and client_credentials grants need a confidential client (an authentication method other than none)');
  }
  if (!grantTypes.some((g) => g !== 'refresh_token')) throw invalid('grant_types must contain a grant other than refresh_token');

  const usesCode = grantTypes.includes('authorization_code');
  const responseTypes =
    raw['response_types'] === undefined ? (usesCode ? ['code'] : []) : stringArray(raw['response_types'], 'response_types', 5);
  for (const r of responseTypes) if (r !== 'code') throw invalid(`Unsupported response type "${r}"`);
  if (usesCode !== responseTypes.includes('code')) {
    throw invalid('grant_types and response_types are inconsistent: authorization_code goes with the code response type');
  }

  const redirectUris = raw['redirect_uris'] === undefined ? [] : stringArray(raw['redirect_uris'], 'redirect_uris', MAX_REDIRECT_URIS);
  if (usesCode && redirectUris.length === 0)
    throw new RegistrationError('invalid_redirect_uri', 'redirect_uris must name at least one redirect URI');
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem !== null)
      throw new RegistrationError('invalid_redirect_uri', `Redirect URI ${JSON.stringify(uri.slice(0, 100))} ${problem}`);
  }

  const metadata: OAuthClientMetadata = {
    redirect_uris: redirectUris,
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    response_types: responseTypes,
  };

  if (raw['scope'] !== undefined) {
    if (typeof raw['scope'] !== 'string') throw invalid('scope must be a string');
    const scopes = parseScopes(raw['scope']).filter((s) => s !== 'offline_access');
    const unknown = policy.scopesSupported ? scopes.filter((s) => !policy.scopesSupported!.includes(s)) : [];
    if (unknown.length > 0) throw invalid(`Unsupported scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(' ')}`);
    if (scopes.length > 0) metadata.scope = [...new Set(scopes)].join(' ');
  }
  for (const field of TEXT_FIELDS) {
    const value = raw[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH)
      throw invalid(`${field} must be a string of at most ${MAX_TEXT_LENGTH} characters`);
    metadata[field] = value;
  }
  for (const field of URL_FIELDS) {
    if (raw[field] !== undefined) metadata[field] = webUrl(raw[field], field);
  }
  if (raw['jwks'] !== undefined) metadata['jwks'] = publicKeySet(raw['jwks']);
  if (raw['jwks'] !== undefined && raw['jwks_uri'] !== undefined) throw invalid('Send jwks or jwks_uri, not both');
  if (method === 'private_key_jwt' && metadata['jwks'] === undefined && metadata.jwks_uri === undefined) {
    throw invalid("private_key_jwt needs the client's public keys: jwks or jwks_uri");
  }
  if (raw['contacts'] !== undefined) {
    const contacts = stringArray(raw['contacts'], 'contacts', MAX_CONTACTS);
    if (contacts.some((c) => c.length > MAX_TEXT_LENGTH)) throw invalid('contacts entries are too long');
    metadata.contacts = contacts;
  }
  return metadata;
}

/** The grant types a registered client may use (RFC 7591 default: `authorization_code`). */
export function clientGrantTypes(client: OAuthClientMetadata): readonly string[] {
  return client.grant_types ?? ['authorization_code'];
}

/** The token endpoint authentication method of a registered client (RFC 7591 default: `client_secret_basic`). */
export function clientAuthMethod(client: OAuthClientMetadata): string {
  return client.token_endpoint_auth_method ?? 'client_secret_basic';
}
