/**
 * Dynamic client registration (RFC 7591): `POST /register`.
 *
 * @module
 */
import { RegistrationError } from '../errors/errors.js';
import { errorResponse } from '../errors/response.js';
import { corsHeaders, jsonResponse, preflightResponse, type FetchHandler } from '../http/router.js';
import { randomToken, sha256 } from '../lib/crypto.js';
import type { OAuthClientInformationFull } from '../protocols/provider.js';
import { TOKEN_ENDPOINT_AUTH_METHODS, validateClientMetadata } from './client-metadata.js';
import type { EndpointContext } from './context.js';
import { methodNotAllowed, readJsonObject } from './request.js';

const CORS = corsHeaders(['POST']);

/** Options of dynamic client registration. */
export interface ClientRegistrationOptions {
  /** Lifetime of issued client secrets in seconds; `undefined` (the default): they do not expire. */
  clientSecretExpiresIn?: number | undefined;
}

/**
 * The registration endpoint handler. `POST` with a JSON object within the size limit; the
 * metadata is validated (redirect URIs, grant and response types, authentication method,
 * scope: see `validateClientMetadata`). A `client_id` is issued, and for a confidential client a
 * `client_secret` of 256 bits, returned once: the provider stores only its SHA-256
 * (`client_secret_hash`). Answers 201 with the metadata as the provider stored it (it may keep
 * fewer redirect URIs than were sent); errors are
 * `invalid_client_metadata` / `invalid_redirect_uri` (400).
 *
 * @example
 * ```ts
 * const route = { path: '/register', handler: createRegisterHandler(ctx, { clientSecretExpiresIn: 30 * 86400 }) };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export function createRegisterHandler(ctx: EndpointContext, options: ClientRegistrationOptions = {}): FetchHandler {
  return async (request) => {
    if (request.method === 'OPTIONS') return preflightResponse(['POST']);
    if (request.method !== 'POST') return methodNotAllowed(['POST', 'OPTIONS'], CORS);
    try {
      const body = await readJsonObject(request, ctx.maxBodyBytes, (d, o) => new RegistrationError('invalid_client_metadata', d, o), ctx.bodyTimeoutMs);
      const metadata = validateClientMetadata(body, {
        grantTypesSupported: ctx.grantTypesSupported,
        scopesSupported: ctx.scopesSupported,
        defaultAuthMethod: 'client_secret_basic',
        allowedAuthMethods: TOKEN_ENDPOINT_AUTH_METHODS,
      });
      const now = ctx.now();
      const client: OAuthClientInformationFull = { ...metadata, client_id: randomToken(16), client_id_issued_at: now };
      let secret: string | undefined;
      if (metadata.token_endpoint_auth_method !== 'none') {
        secret = randomToken(32);
        client.client_secret_hash = await sha256(secret);
        client.client_secret_expires_at = options.clientSecretExpiresIn === undefined ? 0 : now + options.clientSecretExpiresIn;
      }
      const stored = (await ctx.provider.registerClient(client)) ?? client;
      const { client_secret_hash: _hash, ...response } = stored;
      if (secret !== undefined) response.client_secret = secret;
      return jsonResponse(response, 201, { ...CORS, 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    } catch (err) {
      return errorResponse(err, { headers: CORS, onUnexpectedError: ctx.onError });
    }
  };
}
