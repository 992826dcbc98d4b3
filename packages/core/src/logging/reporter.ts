/**
 * One reporting path per component: an error goes to the user's hook (`onError`,
 * `onInvalidToken`) and becomes a log line with a stable `event`, from the same call.
 *
 * @module
 */
import {
  BearerError,
  ConfigurationError,
  OAuthProtocolError,
  RateLimitError,
  RegistrationError,
  StorageFullError,
  TokenInvalidError,
  UnexpectedError,
  UpstreamError,
  isAuthError,
  type AnyAuthError,
} from '../errors/errors.js';
import { errorResponse, type ErrorResponseOptions } from '../errors/response.js';
import { checkLogger, type LogEventName, type LogFields, type Logger } from './logger.js';

/**
 * A hook that hears of errors (`onError`): always one of the packages' errors, so `instanceof`
 * and `switch (err.code)` narrow it without a cast (what was not one of ours arrives as an
 * `UnexpectedError` with the original as its `cause`). It listens; it never changes an answer.
 *
 * @example
 * ```ts
 * const onError: AuthErrorHook = (err) => {
 *   if (err instanceof UpstreamError) metrics.count('upstream', err.reason);
 *   else if (err.code === 'ERR_UNEXPECTED') reportBug(err.cause);
 * };
 * ```
 */
export type AuthErrorHook = (error: AnyAuthError) => void;

/**
 * What a component reports through: calling it passes the error to the hook (wrapped in an
 * `UnexpectedError` when it is not one of ours) and logs it; `log` only logs (refusals the hook
 * does not hear of); `problem` logs a configuration problem once.
 *
 * @example
 * ```ts
 * const report: Reporter = createReporter({ source: 'MyVerifier', hook: options.onInvalidToken, logger: options.logger });
 * report(new TokenInvalidError('expired', 'Token has expired'));
 * ```
 */
export interface Reporter {
  (error: unknown): void;
  /** Log without calling the hook. */
  log(error: unknown): void;
  /** A configuration problem noticed at run time: logged at `warn` once per `problem` (not passed to the hook). */
  problem(problem: string, message: string, fields?: Record<string, unknown>): void;
  /**
   * Log a line that is no error object (a connection going away and coming back, a failure with
   * fields of its own), at `level`; not passed to the hook. `fields` must hold no secret.
   */
  line(level: 'debug' | 'info' | 'warn' | 'error', event: LogEventName, message: string, fields?: Record<string, unknown>): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

interface LogLine {
  level: Level;
  event: LogEventName;
  message: string;
  fields: Record<string, unknown>;
  /** Log this line once per reporter, keyed by this string. */
  once?: string;
}

/** Most distinct once-only lines remembered; beyond that they are logged again. */
const ONCE_LIMIT = 256;

const defined = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

/** The log line of an error: its event, level and fields (never a token, secret or code). */
function lineOf(error: unknown): LogLine {
  if (error instanceof TokenInvalidError) {
    return { level: 'debug', event: 'token_refused', message: error.message, fields: { reason: error.reason } };
  }
  if (error instanceof BearerError) {
    const reason = error.cause instanceof TokenInvalidError ? error.cause.reason : error.error;
    return { level: 'debug', event: 'token_refused', message: error.message, fields: { reason, error: error.error } };
  }
  if (error instanceof OAuthProtocolError) {
    const event = error instanceof RegistrationError ? 'registration_refused' : 'request_refused';
    return { level: 'debug', event, message: error.message, fields: { error: error.error, description: error.errorDescription } };
  }
  if (error instanceof UpstreamError) {
    // the upstream's error_description is left out: an identity provider may echo what it was sent
    return {
      level: 'warn',
      event: 'upstream_failed',
      message: error.message,
      fields: { reason: error.reason, status: error.status, error: error.error },
    };
  }
  if (error instanceof ConfigurationError) {
    return { level: 'warn', event: 'configuration_problem', message: error.message, fields: {}, once: error.message };
  }
  if (error instanceof StorageFullError) {
    return { level: 'warn', event: 'store_full', message: error.message, fields: { collection: error.collection } };
  }
  if (error instanceof RateLimitError) {
    return { level: 'debug', event: 'rate_limited', message: error.message, fields: { retryAfter: error.retryAfter } };
  }
  // Not one of ours: its message may quote anything (a request body, a header), so only its name is logged.
  const cause = error instanceof UnexpectedError ? error.cause : error;
  const errorName = cause instanceof Error ? cause.name : typeof cause;
  return { level: 'error', event: 'unexpected_error', message: `Unexpected ${errorName} (passed to onError)`, fields: { errorName } };
}

/**
 * The reporter of a component named `source`, over its `hook` and `logger` options (both checked
 * here: `TypeError` naming `source` and `hookName` for a wrong shape). The hook and the logger
 * only listen: what they throw or reject with is ignored.
 *
 * @example
 * ```ts
 * const report = createReporter({ source: 'MyVerifier', hook: options.onInvalidToken, hookName: 'onInvalidToken', logger: options.logger });
 * report(new TokenInvalidError('expired', 'Token has expired')); // hook + debug line
 * report.problem('jwks_not_found', 'JWKS https://idp.example.com answers 404: check jwksUri');
 * ```
 */
export function createReporter(options: { source: string; hook?: unknown; hookName?: string; logger?: unknown }): Reporter {
  const { source, hook } = options;
  if (hook !== undefined && typeof hook !== 'function')
    throw new TypeError(`${source}: ${options.hookName ?? 'onError'} must be a function`);
  const logger = checkLogger(options.logger, source);
  const seen = new Set<string>();

  const write = (line: LogLine) => {
    if (logger === false) return;
    // without a logger, configuration problems still reach the console (once each)
    if (logger === undefined && line.event !== 'configuration_problem') return;
    if (line.once !== undefined) {
      if (seen.has(line.once)) return;
      if (seen.size < ONCE_LIMIT) seen.add(line.once);
    }
    const target: Logger = logger ?? console;
    const fields: LogFields = { event: line.event, source, ...defined(line.fields) };
    listen(() => target[line.level](`${source}: ${line.message}`, fields));
  };

  const report = ((error: unknown) => {
    if (hook !== undefined) {
      const reported = isAuthError(error) ? error : new UnexpectedError(error);
      listen(() => (hook as AuthErrorHook)(reported));
    }
    write(lineOf(error));
  }) as Reporter;
  report.log = (error) => write(lineOf(error));
  report.problem = (problem, message, fields = {}) =>
    write({ level: 'warn', event: 'configuration_problem', message, fields: { problem, ...fields }, once: problem });
  report.line = (level, event, message, fields = {}) => write({ level, event, message, fields });
  return report;
}

/** Run a listener (hook or logger): whatever it throws or rejects with changes nothing. */
function listen(call: () => unknown): void {
  try {
    const result = call();
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function')
      (result as PromiseLike<unknown>).then(undefined, () => {});
  } catch {
    // a listener's failure never changes an answer
  }
}

/**
 * The response to an error, reported: a refusal (an OAuth error, a rate limit) is logged, anything
 * else goes to the hook and is logged, and {@link errorResponse} answers it.
 *
 * @example
 * ```ts
 * try {
 *   return await handle(request);
 * } catch (err) {
 *   return reportedErrorResponse(report, err, { headers: cors });
 * }
 * ```
 */
export function reportedErrorResponse(report: Reporter, error: unknown, options: ErrorResponseOptions = {}): Response {
  if (error instanceof OAuthProtocolError || error instanceof RateLimitError) report.log(error);
  return errorResponse(error, { ...options, onUnexpectedError: report });
}
