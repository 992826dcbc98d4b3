/**
 * Error classes of the MCP auth packages.
 *
 * Every error extends {@link AuthError} and carries a stable string `code`; the union
 * {@link AnyAuthError} lets `switch (err.code)` narrow to the concrete class.
 *
 * @module
 */

/** OAuth error codes an authorization endpoint may return (RFC 6749 §4.1.2.1, RFC 8707 §2). */
export type AuthorizeErrorCode =
  | 'invalid_request'
  | 'unauthorized_client'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'server_error'
  | 'temporarily_unavailable';

/** OAuth error codes a token or revocation endpoint may return (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 8707 §2). */
export type TokenErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'server_error'
  | 'temporarily_unavailable';

/** Error codes of dynamic client registration (RFC 7591 §3.2.2). */
export type RegistrationErrorCode =
  | 'invalid_request'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_software_statement'
  | 'unapproved_software_statement';

/** Error codes of a protected resource's bearer challenge (RFC 6750 §3.1). */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/**
 * Why a token was refused by a verifier. Stable strings, safe to log (they never contain the token).
 */
export type TokenInvalidReason =
  | 'malformed'
  | 'too_large'
  | 'signature'
  | 'algorithm'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'claim'
  | 'issuer'
  | 'audience'
  | 'type'
  | 'token_use'
  | 'inactive'
  | 'unknown_token'
  | 'insufficient_scope'
  | 'key_not_found'
  | 'unverifiable';

/**
 * Why an outbound call to an upstream server failed. `forbidden_address`: the host is, or resolves
 * to, an address the call may not reach (loopback or private), so nothing was sent.
 */
export type UpstreamFailureReason =
  | 'timeout'
  | 'network'
  | 'http_status'
  | 'oauth_error'
  | 'invalid_body'
  | 'too_large'
  | 'redirect'
  | 'forbidden_address';

/** Every stable error code of the package family. */
export type AuthErrorCode = AnyAuthError['code'];

/**
 * Base class of every error thrown by the MCP auth packages.
 *
 * @example
 * ```ts
 * try {
 *   await issuer.verifyToken(token, { expectedTokenUse: 'access' });
 * } catch (err) {
 *   if (err instanceof AuthError) console.warn(err.code, err.message);
 * }
 * ```
 */
export abstract class AuthError extends Error {
  /** A stable, machine-readable error code. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An OAuth error with an RFC error code and description, the shape of `{ error, error_description }`
 * bodies. Base of {@link AuthorizeError}, {@link TokenError}, {@link RegistrationError},
 * {@link BearerError}.
 *
 * @example
 * ```ts
 * if (err instanceof OAuthProtocolError) console.warn(err.error, err.errorDescription);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export abstract class OAuthProtocolError<E extends string = string> extends AuthError {
  /** The RFC error code sent on the wire (`error`). */
  readonly error: E;
  /** Human-readable text sent as `error_description`. Never contains secrets. */
  readonly errorDescription: string | undefined;
  /**
   * The HTTP status to answer with when it is not the one the RFC assigns to `error` (for example
   * `413` for an oversized request body, `408` for one that arrives too slowly, `429` when rate
   * limited). `undefined`: the RFC's status.
   */
  readonly status: number | undefined;

  constructor(error: E, errorDescription?: string, options?: { cause?: unknown; status?: number | undefined }) {
    super(errorDescription ? `${error}: ${errorDescription}` : error, options);
    this.error = error;
    this.errorDescription = errorDescription;
    this.status = options?.status;
  }

  /** The JSON body of this error, as RFC 6749 §5.2 defines it. */
  toJSON(): { error: E; error_description?: string } {
    return this.errorDescription === undefined ? { error: this.error } : { error: this.error, error_description: this.errorDescription };
  }
}

/**
 * An authorization-request error (RFC 6749 §4.1.2.1). Thrown by
 * `OAuthAuthorizationServerProvider.authorize`; sent back to the client's redirect URI when that
 * URI is trusted, or shown as an error page when it is not. `access_denied` is also how a policy
 * refuses a user after the upstream sign-in (an OAuth proxy's `upstreamClaims` or `grantScopes`
 * hook throws it; the client gets `access_denied` with this description and its `state`).
 *
 * @example
 * ```ts
 * throw new AuthorizeError('invalid_scope', 'Scope "admin" is not allowed for this client');
 * throw new AuthorizeError('access_denied', 'This Google account is not of an allowed Workspace domain');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export class AuthorizeError extends OAuthProtocolError<AuthorizeErrorCode> {
  readonly code = 'ERR_AUTHORIZE' as const;
}

/**
 * A token-endpoint error (RFC 6749 §5.2), also used by the revocation endpoint (RFC 7009).
 *
 * @example
 * ```ts
 * throw new TokenError('invalid_grant', 'Authorization code has expired');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class TokenError extends OAuthProtocolError<TokenErrorCode> {
  readonly code = 'ERR_TOKEN' as const;
}

/**
 * A dynamic client registration error (RFC 7591 §3.2.2).
 *
 * @example
 * ```ts
 * throw new RegistrationError('invalid_redirect_uri', 'Redirect URIs must use https or loopback http');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
 */
export class RegistrationError extends OAuthProtocolError<RegistrationErrorCode> {
  readonly code = 'ERR_REGISTRATION' as const;
}

/**
 * A refusal at a protected resource (RFC 6750 §3.1): a missing, malformed, invalid or
 * under-scoped bearer token. {@link errorResponse} turns it into the 400/401/403 answer with the
 * `WWW-Authenticate: Bearer` challenge.
 *
 * @example
 * ```ts
 * throw new BearerError('insufficient_scope', 'Requires scope "files:write"', { scope: ['files:write'] });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class BearerError extends OAuthProtocolError<BearerErrorCode> {
  readonly code = 'ERR_BEARER' as const;
  /** Scopes named in the challenge (`scope="…"`), when known. */
  readonly scope: readonly string[] | undefined;
  /** The request carried no credentials: the challenge then has no error code (RFC 6750 §3.1). */
  readonly credentialsMissing: boolean;

  constructor(
    error: BearerErrorCode,
    errorDescription?: string,
    options?: { scope?: readonly string[] | undefined; credentialsMissing?: boolean; cause?: unknown; status?: number | undefined },
  ) {
    super(error, errorDescription, options);
    this.scope = options?.scope;
    this.credentialsMissing = options?.credentialsMissing ?? false;
  }
}

/** Error codes of DPoP (RFC 9449 §5, §7.1, §8, §9): a bad proof, or a proof without the server's nonce. */
export type DPoPErrorCode = 'invalid_dpop_proof' | 'use_dpop_nonce';

/**
 * A refused DPoP proof (RFC 9449): `invalid_dpop_proof`, or `use_dpop_nonce` when the server
 * wants its nonce in the proof (`nonce` is the one to use; it goes out as the `DPoP-Nonce`
 * header). {@link errorResponse} answers it with 400 and the JSON body at a token endpoint, and
 * with 401 and a `WWW-Authenticate: DPoP` challenge at a resource (its `dpop` option).
 *
 * @example
 * ```ts
 * throw new DPoPError('use_dpop_nonce', 'Authorization server requires nonce in DPoP proof', { nonce });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export class DPoPError extends OAuthProtocolError<DPoPErrorCode> {
  readonly code = 'ERR_DPOP' as const;
  /** The server nonce the client must put in its next proof (sent as `DPoP-Nonce`). */
  readonly nonce: string | undefined;

  constructor(error: DPoPErrorCode, errorDescription?: string, options?: { nonce?: string | undefined; cause?: unknown }) {
    super(error, errorDescription, options);
    this.nonce = options?.nonce;
  }
}

/**
 * A token that a verifier refused, with the reason. Verifiers return `null` for invalid tokens and
 * report this error through their `onInvalidToken` hook; `JWTIssuer.verifyToken` throws it.
 * Its message never contains the token.
 *
 * @example
 * ```ts
 * const verifier = new JWTVerifier({
 *   jwksUri, issuer, audience,
 *   onInvalidToken: (err) => logger.info({ code: err.code, reason: err.reason }, 'token refused'),
 * });
 * ```
 */
export class TokenInvalidError extends AuthError {
  readonly code = 'ERR_TOKEN_INVALID' as const;
  /** Why the token was refused. */
  readonly reason: TokenInvalidReason;

  constructor(reason: TokenInvalidReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * An outbound call to an upstream server (identity provider, JWKS, introspection, metadata)
 * failed. When the upstream answered with an OAuth error body, `error` and `errorDescription`
 * carry it.
 *
 * @example
 * ```ts
 * if (err instanceof UpstreamError && err.reason === 'timeout') retryLater();
 * ```
 */
export class UpstreamError extends AuthError {
  readonly code = 'ERR_UPSTREAM' as const;
  readonly reason: UpstreamFailureReason;
  /** HTTP status of the upstream response, when there was one. */
  readonly status: number | undefined;
  /** OAuth `error` from the upstream body, when present. */
  readonly error: string | undefined;
  /** OAuth `error_description` from the upstream body, when present. */
  readonly errorDescription: string | undefined;

  constructor(
    reason: UpstreamFailureReason,
    message: string,
    details: { status?: number; error?: string; errorDescription?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.reason = reason;
    this.status = details.status;
    this.error = details.error;
    this.errorDescription = details.errorDescription;
  }
}

/**
 * The deployment is misconfigured in a way only visible at run time (for example an
 * introspection endpoint rejecting our client credentials). Distinct from an invalid token so
 * operators can alert on it.
 *
 * @example
 * ```ts
 * onInvalidToken: (err) => { if (err.code === 'ERR_CONFIGURATION') alertOps(err.message); }
 * ```
 */
export class ConfigurationError extends AuthError {
  readonly code = 'ERR_CONFIGURATION' as const;
}

/**
 * A store refused to add a new key because its collection is full (the per-collection bound of
 * `MemoryStore` / `FileStore`, or a Redis server out of memory). Nothing already stored was
 * dropped to make room: the new write is refused instead. {@link errorResponse} answers it with
 * `503 temporarily_unavailable` and a `Retry-After` header.
 *
 * @example
 * ```ts
 * try {
 *   await store.set('as.clients:abc', json, { ttlSeconds: 86_400 });
 * } catch (err) {
 *   if (err instanceof StorageFullError) console.warn(`collection ${err.collection} is full`);
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4
 */
export class StorageFullError extends AuthError {
  readonly code = 'ERR_STORE_FULL' as const;
  /** The collection that is full (the key up to its first `:`); `''` for keys without one. */
  readonly collection: string;
  /** Seconds after which a retry may succeed (when an entry of the collection expires), at least 1. */
  readonly retryAfter: number;

  constructor(collection: string, retryAfter: number, message?: string, options?: { cause?: unknown }) {
    super(message ?? `The store collection "${collection}" is full`, options);
    this.collection = collection;
    this.retryAfter = Math.max(1, Math.ceil(retryAfter));
  }
}

/**
 * A caller went over a rate limit (for example registrations per client address at `/register`).
 * {@link errorResponse} answers it with `429 temporarily_unavailable` and a `Retry-After` header.
 *
 * @example
 * ```ts
 * if (err instanceof RateLimitError) console.info(`rate limited for ${err.retryAfter} s`);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
export class RateLimitError extends AuthError {
  readonly code = 'ERR_RATE_LIMITED' as const;
  /** Seconds until the limit resets, at least 1. */
  readonly retryAfter: number;

  constructor(retryAfter: number, message = 'Too many requests; try again later', options?: { cause?: unknown }) {
    super(message, options);
    this.retryAfter = Math.max(1, Math.ceil(retryAfter));
  }
}

/**
 * Something other than the packages' own errors went wrong while handling a request (a bug, a
 * store that cannot be reached, a hook that threw): what an `onError` hook receives for it, so
 * that every hook gets an {@link AnyAuthError}. The original is the `cause`; the client sees a
 * `500 server_error` without details.
 *
 * @example
 * ```ts
 * onError: (err) => {
 *   if (err instanceof UnexpectedError) reportBug(err.cause);
 * },
 * ```
 */
export class UnexpectedError extends AuthError {
  readonly code = 'ERR_UNEXPECTED' as const;

  constructor(cause: unknown) {
    super(`Unexpected error: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, { cause });
  }
}

/** The union of every concrete error class; `switch (err.code)` narrows it. */
export type AnyAuthError =
  | AuthorizeError
  | TokenError
  | RegistrationError
  | BearerError
  | DPoPError
  | TokenInvalidError
  | UpstreamError
  | ConfigurationError
  | StorageFullError
  | RateLimitError
  | UnexpectedError;

/**
 * Whether a value is one of the package family's errors.
 *
 * @example
 * ```ts
 * if (isAuthError(err)) switch (err.code) { case 'ERR_TOKEN': return err.error; }
 * ```
 */
export function isAuthError(value: unknown): value is AnyAuthError {
  return value instanceof AuthError;
}
