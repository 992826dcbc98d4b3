/**
 * The `logger` option: where the MCP auth packages say what went wrong, as one line with a
 * message and structured fields whose `event` names what happened.
 *
 * @module
 */

/**
 * The stable names of what is logged (the `event` field of every line):
 *
 * - `token_refused` (`debug`): a verifier or the bearer guard refused a token; `reason` says why
 *   (`expired`, `issuer`, `audience`, `signature`, …, or the guard's `invalid_token` /
 *   `insufficient_scope`).
 * - `request_refused` (`debug`): an authorization, token, revocation, consent or callback request
 *   was answered with an OAuth error (`error`, `description`).
 * - `registration_refused` (`debug`): a client registration or a Client ID Metadata Document was
 *   refused (`error`, `description`).
 * - `rate_limited` (`debug`): a caller went over a rate limit (`retryAfter`).
 * - `upstream_failed` (`warn`): a call to an identity provider, JWKS, introspection or metadata
 *   endpoint failed (`reason`, `status`, and the upstream's OAuth `error` when it sent one).
 * - `store_full` (`warn`): a store refused a new entry (`collection`).
 * - `store_unreachable` (`warn`): a shared store (Redis) lost its connection or cannot reach its
 *   server; logged once when it goes away, not for each command that then fails.
 * - `store_reconnected` (`info`): the store's connection is back after a `store_unreachable`.
 * - `configuration_problem` (`warn`, once per problem): the deployment is misconfigured in a way
 *   only visible at run time (`problem` names it: `jwks_not_found`, `issuer_mismatch`,
 *   `upstream_client_rejected`, …).
 * - `unexpected_error` (`error`): a bug or an outage of something else (`errorName`; the error
 *   itself goes to `onError`).
 *
 * @example
 * ```ts
 * const alerting: LogEventName[] = ['configuration_problem', 'upstream_failed'];
 * ```
 */
export type LogEventName =
  | 'token_refused'
  | 'request_refused'
  | 'registration_refused'
  | 'rate_limited'
  | 'upstream_failed'
  | 'store_full'
  | 'store_unreachable'
  | 'store_reconnected'
  | 'configuration_problem'
  | 'unexpected_error';

/**
 * The structured fields of a log line: always `event` and `source` (the component that logged:
 * `JWTVerifier`, `createBearerGuard`, `OAuthProxy`, …), then the event's own fields. Never a
 * token, secret, authorization code, client assertion or cookie.
 *
 * @example
 * ```ts
 * const fields: LogFields = { event: 'token_refused', source: 'JWTVerifier', reason: 'expired' };
 * ```
 */
export interface LogFields {
  event: LogEventName;
  source: string;
  [field: string]: unknown;
}

/**
 * What the `logger` option takes: four methods, each called as `(message, fields)`. `console`
 * fits as it is, and so does a winston logger; pino takes the fields first, so wrap it
 * (`debug: (message, fields) => pino.debug(fields, message)`, and so on).
 *
 * @example
 * ```ts
 * const logger: Logger = console;
 * new JWTVerifier({ jwksUri, issuer, audience, logger });
 * ```
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * The `logger` option every configurable part of the MCP auth packages accepts (verifiers, the
 * bearer guard, the authorization server, the proxies, the remote provider, `MultiAuth`).
 *
 * @example
 * ```ts
 * const quiet: LoggingOptions = { logger: false };
 * const verbose: LoggingOptions = { logger: console };
 * ```
 */
export interface LoggingOptions {
  /**
   * Where to log. A {@link Logger} (`console`, winston, a wrapped pino) receives every event at
   * its level: refusals at `debug`, upstream failures at `warn`, configuration problems at `warn`
   * once per problem, a store's connection lost at `warn` and back at `info`, unexpected errors
   * at `error`. Left out: configuration problems only, once
   * each, to `console.warn`. `false`: nothing.
   */
  logger?: Logger | false | undefined;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Check a `logger` option (`TypeError` naming `owner` for a wrong shape). */
export function checkLogger(value: unknown, owner: string): Logger | false | undefined {
  if (value === undefined || value === false) return value;
  if (
    typeof value !== 'object' ||
    value === null ||
    LEVELS.some((level) => typeof (value as Record<string, unknown>)[level] !== 'function')
  ) {
    throw new TypeError(`${owner}: logger must have debug, info, warn and error methods (console, winston, a wrapped pino), or be false`);
  }
  return value as Logger;
}
