/**
 * Dynamic client registration (RFC 7591): `POST /register`.
 *
 * @module
 */
import { BearerError, RegistrationError } from '../errors/errors.js';
import { reportedErrorResponse } from '../logging/reporter.js';
import { clientAddressOf } from '../http/client-address.js';
import { corsHeaders, jsonResponse, preflightResponse, type FetchHandler } from '../http/router.js';
import { randomToken, sha256, timingSafeEqual } from '../lib/crypto.js';
import { addressBucket, countHit, type FixedWindow } from '../lib/rate-limit.js';
import { extractBearerToken } from '../resource-server/bearer-guard.js';
import type { OAuthClientInformationFull } from '../protocols/provider.js';
import { TOKEN_ENDPOINT_AUTH_METHODS, validateClientMetadata } from './client-metadata.js';
import type { EndpointContext } from './context.js';
import { methodNotAllowed, readJsonObject } from './request.js';

const CORS = corsHeaders(['POST']);

/**
 * The per-address limit of registrations: at most `max` per fixed window of `windowSeconds`.
 *
 * @example
 * ```ts
 * const rateLimit: RegistrationRateLimit = { max: 5, windowSeconds: 3600 };
 * ```
 */
export interface RegistrationRateLimit {
  /** Registrations allowed per client address per window. Default 20. */
  max?: number | undefined;
  /** The window in seconds. Default 600. */
  windowSeconds?: number | undefined;
}

/**
 * Checks an initial access token (RFC 7591 §3): `true` to let the registration through.
 *
 * @example
 * ```ts
 * const verify: InitialAccessTokenVerifier = async (token) => (await db.registrationTokens.find(token)) !== null;
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export type InitialAccessTokenVerifier = (token: string, request: Request) => boolean | Promise<boolean>;

/** Options of dynamic client registration. */
export interface ClientRegistrationOptions {
  /** Lifetime of issued client secrets in seconds; `undefined` (the default): they do not expire. */
  clientSecretExpiresIn?: number | undefined;
  /**
   * Registrations per client address (IPv6: per /64), counted in the authorization server's
   * `store` so the limit holds across instances sharing it. Beyond it: `429` with `Retry-After`.
   * On by default (20 per 10 minutes); `false` turns it off.
   */
  rateLimit?: false | RegistrationRateLimit | undefined;
  /**
   * The address a request came from, for the rate limit. Default: what the server adapter
   * recorded (`clientAddressOf`: the socket address with the Node adapter). Requests without a
   * known address share one bucket. Behind a reverse proxy, read the header your proxy sets,
   * and only that one (never trust `X-Forwarded-For` from the open internet).
   */
  clientAddress?: ((request: Request) => string | undefined) | undefined;
  /**
   * Closed registration (RFC 7591 §3): registrations must carry
   * `Authorization: Bearer <initial access token>`. A string is compared in constant time (at
   * least 22 characters: 128 bits of base64url); a function decides. Without the right token:
   * `401 invalid_token` with a `WWW-Authenticate: Bearer` challenge. Default: open registration.
   */
  initialAccessToken?: string | InitialAccessTokenVerifier | undefined;
}

const DEFAULT_RATE_LIMIT: FixedWindow = { max: 20, windowSeconds: 600 };
/** Requests whose address is unknown share this bucket. */
const UNKNOWN_ADDRESS = 'unknown';

function rateLimitOption(option: ClientRegistrationOptions['rateLimit']): FixedWindow | undefined {
  if (option === false) return undefined;
  const limit = { max: option?.max ?? DEFAULT_RATE_LIMIT.max, windowSeconds: option?.windowSeconds ?? DEFAULT_RATE_LIMIT.windowSeconds };
  if (!Number.isInteger(limit.max) || limit.max <= 0) throw new TypeError('clientRegistration.rateLimit.max must be a positive integer');
  if (!Number.isInteger(limit.windowSeconds) || limit.windowSeconds <= 0) {
    throw new TypeError('clientRegistration.rateLimit.windowSeconds must be a positive integer');
  }
  return limit;
}

function initialAccessTokenOption(option: ClientRegistrationOptions['initialAccessToken']): InitialAccessTokenVerifier | undefined {
  if (option === undefined) return undefined;
  if (typeof option === 'function') return option;
  if (typeof option !== 'string' || option.length < 22) {
    throw new TypeError('clientRegistration.initialAccessToken must be a function or a string of at least 22 characters');
  }
  return (token) => timingSafeEqual(token, option);
}

/** Refuse the request unless it carries an accepted initial access token. */
async function checkInitialAccessToken(request: Request, verify: InitialAccessTokenVerifier): Promise<void> {
  let token: string | null;
  try {
    token = extractBearerToken(request);
  } catch {
    token = null;
  }
  if (token === null) throw new BearerError('invalid_token', 'Registration requires an initial access token', { credentialsMissing: true });
  if (!(await verify(token, request))) throw new BearerError('invalid_token', 'The initial access token is not valid');
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
 * Before anything else each request counts against the per-address rate limit (429
 * `temporarily_unavailable` with `Retry-After` beyond it), then the initial access token is
 * checked when one is configured (401 `invalid_token`). A store that is full answers 503
 * `temporarily_unavailable` with `Retry-After`: no registered client or grant is dropped for it.
 *
 * @example
 * ```ts
 * const route = { path: '/register', handler: createRegisterHandler(ctx, { clientSecretExpiresIn: 30 * 86400 }) };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export function createRegisterHandler(ctx: EndpointContext, options: ClientRegistrationOptions = {}): FetchHandler {
  const limit = rateLimitOption(options.rateLimit);
  const verifyInitialAccessToken = initialAccessTokenOption(options.initialAccessToken);
  const clientAddress = options.clientAddress ?? clientAddressOf;
  if (typeof clientAddress !== 'function') throw new TypeError('clientRegistration.clientAddress must be a function');
  if (limit && typeof ctx.store.increment !== 'function') {
    throw new TypeError('createAuthorizationServer: the store must implement increment (for the registration rate limit)');
  }
  return async (request) => {
    if (request.method === 'OPTIONS') return preflightResponse(['POST']);
    if (request.method !== 'POST') return methodNotAllowed(['POST', 'OPTIONS'], CORS);
    try {
      if (limit) {
        const address = clientAddress(request);
        const bucket = typeof address === 'string' && address !== '' ? addressBucket(address) : UNKNOWN_ADDRESS;
        await countHit(ctx.store, 'as.register-limit', bucket, limit, ctx.now());
      }
      if (verifyInitialAccessToken) await checkInitialAccessToken(request, verifyInitialAccessToken);
      const body = await readJsonObject(
        request,
        ctx.maxBodyBytes,
        (d, o) => new RegistrationError('invalid_client_metadata', d, o),
        ctx.bodyTimeoutMs,
      );
      const metadata = validateClientMetadata(body, {
        grantTypesSupported: ctx.grantTypesSupported,
        scopesSupported: ctx.scopesSupported,
        defaultAuthMethod: 'client_secret_basic',
        allowedAuthMethods: TOKEN_ENDPOINT_AUTH_METHODS,
      });
      const now = ctx.now();
      const client: OAuthClientInformationFull = { ...metadata, client_id: randomToken(16), client_id_issued_at: now };
      let secret: string | undefined;
      // a secret for the secret-based methods; a private_key_jwt client proves itself with its keys
      if (metadata.token_endpoint_auth_method === 'client_secret_basic' || metadata.token_endpoint_auth_method === 'client_secret_post') {
        secret = randomToken(32);
        client.client_secret_hash = await sha256(secret);
        client.client_secret_expires_at = options.clientSecretExpiresIn === undefined ? 0 : now + options.clientSecretExpiresIn;
      }
      const stored = (await ctx.provider.registerClient(client)) ?? client;
      const { client_secret_hash: _hash, ...response } = stored;
      if (secret !== undefined) response.client_secret = secret;
      return jsonResponse(response, 201, { ...CORS, 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    } catch (err) {
      return reportedErrorResponse(ctx.report, err, { headers: CORS });
    }
  };
}
