import { createRouter, type FetchHandler, type Route } from '../http/router.js';
import type { AccessToken } from '../protocols/access-token.js';
import type { AuthProvider } from '../protocols/auth-provider.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';
import { createBearerGuard, type BearerGuard } from '../resource-server/bearer-guard.js';
import type { ResourceDPoPOptions } from '../dpop/resource.js';
import type { LoggingOptions } from '../logging/logger.js';
import { createReporter, type AuthErrorHook, type Reporter } from '../logging/reporter.js';

/** Options of {@link MultiAuth}. */
export interface MultiAuthOptions extends LoggingOptions {
  /** The auth set-up whose routes, metadata and resource URL are served (an `OAuthProxy`, a provider package, a `RemoteAuthProvider`). */
  primary: AuthProvider;
  /** More verifiers, tried in order after the primary's (service tokens, a second identity provider). At least one. */
  verifiers: readonly TokenVerifier[];
  /** Called with each refusal and each verifier failure (never with the token). */
  onError?: AuthErrorHook | undefined;
  /**
   * DPoP at the MCP endpoint (RFC 9449), as the primary's `dpop` option: give the primary's own
   * settings (an `OAuthProxy` or `RemoteAuthProvider` with `dpop`), so that its DPoP-bound tokens are
   * accepted here too. Without it, a bound token sent with `Authorization: DPoP` is refused.
   */
  dpop?: ResourceDPoPOptions | undefined;
}

/**
 * One verifier over several: the first that accepts a token wins. A verifier that throws (its
 * identity provider cannot be reached: `UpstreamError`) does not make the token invalid for the
 * others; when none accepts and one threw, the first error is rethrown, so the guard answers 502
 * rather than 401 (an outage is not an invalid token).
 */
class FirstAccepting implements TokenVerifier {
  constructor(
    private readonly verifiers: readonly TokenVerifier[],
    private readonly report: Reporter,
  ) {}

  async verifyToken(token: string): Promise<AccessToken | null> {
    let failure: { error: unknown } | undefined;
    for (const verifier of this.verifiers) {
      try {
        const verified = await verifier.verifyToken(token);
        if (verified) return verified;
      } catch (error) {
        this.report(error);
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return null;
  }
}

/**
 * An auth set-up that accepts the tokens of a primary one (for example an `OAuthProxy` for
 * people) and of extra verifiers (for example a `JWTVerifier` for service tokens), tried in
 * order. Routes, protected resource metadata, the resource URL and the required scopes come from
 * the primary only; every token, whoever verified it, must be issued for the primary's resource
 * (RFC 8707) and carry the required scopes. An outage of one verifier is not "invalid" for all
 * (see the verifier policy): if no verifier accepts and one could not reach its identity provider,
 * the guard answers 502.
 *
 * @example
 * ```ts
 * const auth = new MultiAuth({
 *   primary: new GitHubProvider({ clientId, clientSecret, jwtSigningKey, baseUrl: 'https://mcp.example.com' }),
 *   verifiers: [new JWTVerifier({ jwksUri: 'https://ci.example.com/jwks', issuer: 'https://ci.example.com', audience: 'https://mcp.example.com/mcp' })],
 * });
 * export default { fetch: createMcpAuthHandler({ auth, mcp }) };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
export class MultiAuth implements AuthProvider {
  readonly verifier: TokenVerifier;
  readonly routes: readonly Route[];
  readonly resourceUrl: string;
  readonly resourceMetadataUrl: string;
  readonly requiredScopes: readonly string[];
  /** The primary's authorization servers. */
  readonly authorizationServers: readonly string[];
  readonly guard: BearerGuard;
  readonly handler: FetchHandler;
  readonly #primary: AuthProvider;

  constructor(options: MultiAuthOptions) {
    const primary = options?.primary;
    if (!primary || typeof primary.guard !== 'function' || typeof primary.verifier?.verifyToken !== 'function') {
      throw new TypeError('MultiAuth: primary must be an AuthProvider');
    }
    if (
      !Array.isArray(options.verifiers) ||
      options.verifiers.length === 0 ||
      options.verifiers.some((v) => typeof v?.verifyToken !== 'function')
    ) {
      throw new TypeError('MultiAuth: verifiers must be a non-empty list of TokenVerifiers');
    }
    this.#primary = primary;
    this.verifier = new FirstAccepting(
      [primary.verifier, ...options.verifiers],
      createReporter({ source: 'MultiAuth', hook: options.onError, logger: options.logger }),
    );
    this.routes = primary.routes;
    this.resourceUrl = primary.resourceUrl;
    this.resourceMetadataUrl = primary.resourceMetadataUrl;
    this.requiredScopes = primary.requiredScopes;
    this.authorizationServers = primary.authorizationServers;
    this.guard = createBearerGuard({
      verifier: this.verifier,
      resourceMetadataUrl: primary.resourceMetadataUrl,
      requiredScopes: primary.requiredScopes,
      expectedResource: primary.resourceUrl,
      dpop: options.dpop,
      onError: options.onError,
      logger: options.logger,
    });
    this.handler = createRouter(this.routes);
  }

  /**
   * Resolves when the primary's set-up is complete (see `AuthProvider.ready`).
   *
   * @example
   * ```ts
   * await auth.ready();
   * ```
   */
  ready(): Promise<void> {
    return this.#primary.ready();
  }

  /** Passed on to the primary (its authorization server may refuse the grant's next refresh). */
  async noteInsufficientScope(token: string, scopes: readonly string[]): Promise<void> {
    await this.#primary.noteInsufficientScope?.(token, scopes);
  }
}
