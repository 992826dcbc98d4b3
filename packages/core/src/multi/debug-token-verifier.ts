import { TokenInvalidError, type AnyAuthError } from '../errors/errors.js';
import { epochSeconds, type Clock } from '../lib/clock.js';
import type { AccessToken } from '../protocols/access-token.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';
import { invalidTokenReporter, type VerifierReportingOptions } from '../protocols/verifier-policy.js';
import { isLoopbackHost, secureUrl } from '../lib/url.js';

/** Options of {@link DebugTokenVerifier}. */
export interface DebugTokenVerifierOptions extends VerifierReportingOptions {
  /** Decides whether a token is accepted (for example a fixed development token). */
  validate: (token: string) => boolean | Promise<boolean>;
  /** The resource URL accepted tokens are bound to (the MCP endpoint). Must be on loopback unless `dangerouslyAllowNonLoopback`. */
  resourceUrl: string | URL;
  /** Client id of accepted tokens. Default `"debug-client"`. */
  clientId?: string | undefined;
  /** Scopes of accepted tokens. Default none. */
  scopes?: readonly string[] | undefined;
  /** Subject of accepted tokens. Default `"debug-user"`. */
  subject?: string | undefined;
  /** Lifetime reported for accepted tokens, in seconds. Default 3 600. */
  expiresIn?: number | undefined;
  /**
   * Allow a resource URL that is not on loopback: this verifier accepts whatever `validate` says,
   * with no signature, issuer or expiry, so it must never protect a deployed server.
   */
  dangerouslyAllowNonLoopback?: true | undefined;
  /** Clock in seconds since the epoch (tests inject one). Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

/**
 * A verifier for local development: it accepts the tokens a function you pass approves, as a
 * fixed client, subject and scopes, bound to your (loopback) resource URL. It refuses to start for
 * a resource URL that is not on loopback (`TypeError`), unless `dangerouslyAllowNonLoopback: true`.
 *
 * @example
 * ```ts
 * const verifier = new DebugTokenVerifier({
 *   validate: (token) => token === process.env.DEV_TOKEN,
 *   resourceUrl: 'http://127.0.0.1:3000/mcp',
 *   scopes: ['mcp:tools'],
 * });
 * const guard = createBearerGuard({ verifier, expectedResource: 'http://127.0.0.1:3000/mcp' });
 * ```
 */
export class DebugTokenVerifier implements TokenVerifier {
  readonly #o: DebugTokenVerifierOptions;
  readonly #resource: string;
  readonly #report: (error: AnyAuthError) => void;
  readonly #now: Clock;

  constructor(options: DebugTokenVerifierOptions) {
    if (!options || typeof options.validate !== 'function') throw new TypeError('DebugTokenVerifier: validate must be a function');
    const url = secureUrl(options.resourceUrl, 'DebugTokenVerifier: resourceUrl');
    if (!isLoopbackHost(url.hostname) && options.dangerouslyAllowNonLoopback !== true) {
      throw new TypeError(
        `DebugTokenVerifier accepts tokens without any check and is for local development: resourceUrl ${url.origin} is not on loopback (pass dangerouslyAllowNonLoopback: true to override)`,
      );
    }
    const expiresIn = options.expiresIn ?? 3600;
    if (!Number.isInteger(expiresIn) || expiresIn <= 0) throw new TypeError('DebugTokenVerifier: expiresIn must be a positive integer');
    this.#o = { ...options, expiresIn };
    this.#resource = url.href;
    this.#report = invalidTokenReporter(options, 'DebugTokenVerifier');
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('DebugTokenVerifier: now must be a function');
    this.#now = options.now ?? epochSeconds;
  }

  /** The debug token as an `AccessToken`, or `null` when `validate` refuses it (or throws). */
  async verifyToken(token: string): Promise<AccessToken | null> {
    let accepted: boolean;
    try {
      accepted = (await this.#o.validate(token)) === true;
    } catch {
      accepted = false;
    }
    if (!accepted) {
      this.#report(new TokenInvalidError('unknown_token', 'The debug token validator refused the token'));
      return null;
    }
    const subject = this.#o.subject ?? 'debug-user';
    const clientId = this.#o.clientId ?? 'debug-client';
    return {
      token,
      clientId,
      scopes: [...(this.#o.scopes ?? [])],
      expiresAt: Math.floor(this.#now()) + this.#o.expiresIn!,
      resource: this.#resource,
      subject,
      claims: { sub: subject, client_id: clientId, aud: this.#resource, debug: true },
    };
  }
}
