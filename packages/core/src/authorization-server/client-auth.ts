/**
 * Client authentication at the token and revocation endpoints (RFC 6749 §2.3): `none` for public
 * clients, `client_secret_basic`, `client_secret_post` and `private_key_jwt` (RFC 7523 §2.2) for
 * confidential ones.
 *
 * @module
 */
import { TokenError } from '../errors/errors.js';
import { sha256, timingSafeEqual } from '../lib/crypto.js';
import type { OAuthClientInformationFull } from '../protocols/provider.js';
import { clientAuthMethod } from './client-metadata.js';
import type { Params } from './request.js';
import { JWT_CLIENT_ASSERTION_TYPE, assertionClientId, verifyClientAssertion, type ClientAssertionContext } from './client-assertion.js';

/**
 * A client looked up by id: found, or not with the reason (for the error description).
 *
 * @example
 * ```ts
 * const lookup: ClientLookup = await as.resolveClient(clientId);
 * if (!lookup.client) console.info('refused client', lookup.problem);
 * ```
 */
export type ClientLookup = { client: OAuthClientInformationFull; problem?: undefined } | { client: null; problem: string };

/**
 * Looks up a client by id: the provider's registered clients and, when enabled, Client ID
 * Metadata Documents. A consent page uses it to show who is asking.
 *
 * @example
 * ```ts
 * const resolveClient: ClientResolver = as.resolveClient;
 * const { client } = await resolveClient('https://app.example.com/oauth/client.json');
 * ```
 */
export type ClientResolver = (clientId: string) => Promise<ClientLookup>;

/** An authenticated client and how it authenticated. */
export interface AuthenticatedClient {
  client: OAuthClientInformationFull;
  method: 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
}

const MAX_CREDENTIAL_LENGTH = 1024;

function decodeFormComponent(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** The credentials of an `Authorization: Basic` header (RFC 6749 §2.3.1: each part form-urlencoded). */
function basicCredentials(header: string): { id: string; secret: string } {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) throw new TokenError('invalid_client', 'Malformed Basic credentials');
  let decoded: string;
  try {
    decoded = atob(match[1]!);
  } catch {
    throw new TokenError('invalid_client', 'Malformed Basic credentials');
  }
  const colon = decoded.indexOf(':');
  const id = colon < 0 ? null : decodeFormComponent(decoded.slice(0, colon));
  const secret = colon < 0 ? null : decodeFormComponent(decoded.slice(colon + 1));
  if (!id || secret === null) throw new TokenError('invalid_client', 'Malformed Basic credentials');
  return { id, secret };
}

/**
 * Authenticate the client of a token or revocation request. Exactly one method may be used; it
 * must be the client's registered `token_endpoint_auth_method`; the secret is compared by its
 * SHA-256 in constant time with the stored `client_secret_hash`; an expired secret fails.
 * Throws `TokenError` (`invalid_client`, or `invalid_request` for two methods at once); an
 * unknown client, a method other than the registered one and a wrong secret all get the same
 * `invalid_client` description, so the endpoint is no oracle for client ids.
 *
 * @example
 * ```ts
 * const { client } = await authenticateClient(request, params, resolveClient, nowSeconds());
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export async function authenticateClient(
  request: Request,
  params: Params,
  resolveClient: ClientResolver,
  now: number,
  assertions?: ClientAssertionContext,
): Promise<AuthenticatedClient> {
  const header = request.headers.get('authorization');
  const bodySecret = params.get('client_secret');
  const assertion = params.get('client_assertion');
  let id: string | undefined;
  let secret: string | undefined;
  let method: AuthenticatedClient['method'];
  if (assertion !== undefined || params.get('client_assertion_type') !== undefined) {
    if (header !== null || bodySecret !== undefined) throw new TokenError('invalid_request', 'Use only one client authentication method');
    if (params.get('client_assertion_type') !== JWT_CLIENT_ASSERTION_TYPE || assertion === undefined || !assertions) {
      throw new TokenError('invalid_client', 'Client authentication failed');
    }
    id = assertionClientId(assertion);
    const bodyId = params.get('client_id');
    if (id === undefined || (bodyId !== undefined && bodyId !== id)) throw new TokenError('invalid_client', 'Client authentication failed');
    method = 'private_key_jwt';
  } else if (header !== null) {
    if (!/^Basic /i.test(header))
      throw new TokenError('invalid_client', 'Only Basic client authentication is accepted in the Authorization header');
    ({ id, secret } = basicCredentials(header));
    if (bodySecret !== undefined) throw new TokenError('invalid_request', 'Use only one client authentication method');
    const bodyId = params.get('client_id');
    if (bodyId !== undefined && bodyId !== id) throw new TokenError('invalid_request', 'client_id does not match the Basic credentials');
    method = 'client_secret_basic';
  } else if (bodySecret !== undefined) {
    id = params.get('client_id');
    secret = bodySecret;
    method = 'client_secret_post';
  } else {
    id = params.get('client_id');
    method = 'none';
  }
  if (!id) throw new TokenError('invalid_client', 'Client authentication is required (client_id is missing)');
  if (id.length > MAX_CREDENTIAL_LENGTH || (secret !== undefined && secret.length > MAX_CREDENTIAL_LENGTH)) {
    throw new TokenError('invalid_client', 'Client authentication failed');
  }

  // One answer for an unknown client, a wrong method and a wrong secret: the token endpoint
  // does not tell a caller which client ids exist or how they authenticate.
  const failed = () => new TokenError('invalid_client', 'Client authentication failed');
  const lookup = await resolveClient(id);
  const client = lookup.client;
  const presented = secret === undefined ? undefined : await sha256(secret);
  if (!client || clientAuthMethod(client) !== method) throw failed();
  if (method === 'private_key_jwt') {
    await verifyClientAssertion(client, assertion!, assertions!);
  } else if (method !== 'none') {
    const hash = client.client_secret_hash;
    if (typeof hash !== 'string' || presented === undefined || !timingSafeEqual(presented, hash)) throw failed();
    const expiresAt = client.client_secret_expires_at ?? 0;
    if (expiresAt !== 0 && expiresAt <= now) throw new TokenError('invalid_client', 'The client secret has expired');
  }
  return { client, method };
}
