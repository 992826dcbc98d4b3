import { TokenInvalidError } from '@mcpauth/core';
import { parseScopes } from '@mcpauth/core/kit';
import type { JWTPayload } from 'jose';

/** What a verified token maps to, without the raw token (cache entries never hold it). */
export interface VerifiedClaims {
  clientId: string;
  scopes: string[];
  expiresAt: number | undefined;
  resource: string | undefined;
  subject: string | undefined;
  /** The payload, deeply frozen: shared by every hit of a cached token. */
  claims: Readonly<Record<string, unknown>>;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const name in value) deepFreeze(value[name]);
  }
  return value;
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.length > 0) return value;
  return undefined;
}

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

/**
 * Map a verified JWT payload to access-token fields: scopes from `scope` (space-separated) or
 * `scp` (string or list); the client from `client_id`, else `azp`, else `sub`; `resource` is the
 * first configured audience the token names (or its single `aud` when none is configured).
 * Throws `TokenInvalidError('claim')` for a token that names no client.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export function mapClaims(payload: JWTPayload, expectedAudiences: readonly string[] | undefined): VerifiedClaims {
  const clientId = firstString(payload['client_id'], payload['azp'], payload.sub);
  if (clientId === undefined) throw new TokenInvalidError('claim', 'Token names no client (client_id, azp or sub)');
  const tokenAudiences = audiences(payload.aud);
  const resource =
    expectedAudiences === undefined
      ? tokenAudiences.length === 1
        ? tokenAudiences[0]
        : undefined
      : expectedAudiences.find((a) => tokenAudiences.includes(a));
  return {
    clientId,
    scopes: parseScopes(payload['scope'] !== undefined ? payload['scope'] : payload['scp']),
    expiresAt: typeof payload.exp === 'number' ? payload.exp : undefined,
    resource,
    subject: typeof payload.sub === 'string' ? payload.sub : undefined,
    claims: deepFreeze(payload as Record<string, unknown>),
  };
}
