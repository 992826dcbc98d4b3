import { TokenInvalidError, UpstreamError, type AccessToken } from '@mcpauth/core';
import { hasScopes, parseScopes } from '@mcpauth/core/kit';

/** What an introspection response is checked against. */
export interface ResponseChecks {
  requiredScopes: readonly string[];
  expectedAudience: readonly string[] | undefined;
  expectedIssuer: string | undefined;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  clockTolerance: number;
  /** Current time, seconds since the epoch. */
  now: number;
}

function numericDate(body: Record<string, unknown>, name: 'exp' | 'nbf'): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TokenInvalidError('claim', `Introspection response "${name}" is not a number`);
  }
  return value;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The process step of an introspection call: turn a 200 JSON object into an {@link AccessToken},
 * or throw.
 *
 * - `active` must be the boolean `true`; `false` → `TokenInvalidError('inactive')`; anything
 *   else (missing, the string `"true"`, 1) → `UpstreamError('invalid_body')`, because the
 *   authorization server broke RFC 7662 §2.2, not the token.
 * - `exp` and `nbf`, when present, must be numbers and hold now (± `clockTolerance`).
 * - scopes come from `scope` (space-separated string or array) and must include `requiredScopes`.
 * - `aud` must name one of `expectedAudience`, and `iss` equal `expectedIssuer`, when configured.
 * - `clientId` is `client_id`, else `sub`; a response with neither is refused (`claim`).
 *
 * It does not check `token_type`, `cnf` (sender-constrained tokens) or `iat`.
 */
export function toAccessToken(token: string, body: Record<string, unknown>, checks: ResponseChecks): AccessToken {
  const active = body['active'];
  if (typeof active !== 'boolean') {
    throw new UpstreamError('invalid_body', 'Introspection response has no boolean "active" member', { status: 200 });
  }
  if (!active) throw new TokenInvalidError('inactive', 'The authorization server reports the token as not active');

  const exp = numericDate(body, 'exp');
  const nbf = numericDate(body, 'nbf');
  if (exp !== undefined && checks.now - checks.clockTolerance >= exp) {
    throw new TokenInvalidError('expired', 'The token has expired');
  }
  if (nbf !== undefined && checks.now + checks.clockTolerance < nbf) {
    throw new TokenInvalidError('not_yet_valid', 'The token is not valid yet');
  }

  if (checks.expectedIssuer !== undefined && body['iss'] !== checks.expectedIssuer) {
    throw new TokenInvalidError('issuer', 'The token was issued by another issuer');
  }
  if (checks.expectedAudience !== undefined) {
    const aud = body['aud'];
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!checks.expectedAudience.some((expected) => audiences.includes(expected))) {
      throw new TokenInvalidError('audience', 'The token was issued for another audience');
    }
  }

  const scopes = parseScopes(body['scope']);
  if (!hasScopes(scopes, checks.requiredScopes)) {
    throw new TokenInvalidError('insufficient_scope', 'The token lacks a required scope');
  }

  const subject = nonEmptyString(body['sub']);
  const clientId = nonEmptyString(body['client_id']) ?? subject;
  if (clientId === undefined) {
    throw new TokenInvalidError('claim', 'Introspection response has neither "client_id" nor "sub"');
  }

  return { token, clientId, scopes, expiresAt: exp, subject, claims: body };
}
