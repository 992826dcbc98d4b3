import { TokenInvalidError } from '@mcpauth/core';
import { parseScopes } from '@mcpauth/core/kit';
import type { JWTPayload } from 'jose';
import type { JWTClaimsMapping } from './options.js';

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
 * The default mapping of a verified JWT payload: scopes from `scope` (space-separated) or `scp`
 * (string or list); the client from `client_id`, else `azp`, else `sub`; `resource` is the first
 * configured audience the token names (or its single `aud` when none is configured).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export function defaultMapping(payload: JWTPayload, expectedAudiences: readonly string[] | undefined): JWTClaimsMapping {
  deepFreeze(payload); // hooks see it frozen, as every cache hit shares it
  const tokenAudiences = audiences(payload.aud);
  return {
    clientId: firstString(payload['client_id'], payload['azp'], payload.sub),
    scopes: parseScopes(payload['scope'] !== undefined ? payload['scope'] : payload['scp']),
    subject: typeof payload.sub === 'string' ? payload.sub : undefined,
    resource:
      expectedAudiences === undefined
        ? tokenAudiences.length === 1
          ? tokenAudiences[0]
          : undefined
        : expectedAudiences.find((a) => tokenAudiences.includes(a)),
  };
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || (typeof value === 'string' && value.length > 0)) return value;
  throw new TokenInvalidError('claim', `The claims hook mapped ${name} to something other than a non-empty string`);
}

/**
 * The mapping with a claims hook's changes applied and checked: a token that names no client
 * (`client_id`, `azp`, `sub`, or the hook's `clientId`) is refused (`claim`), as is a hook's
 * mapping of the wrong type.
 */
export function finishClaims(payload: JWTPayload, mapping: JWTClaimsMapping, changes?: Partial<JWTClaimsMapping>): VerifiedClaims {
  const merged = changes ? { ...mapping, ...changes } : mapping;
  const clientId = optionalString(merged.clientId, 'clientId');
  if (clientId === undefined) throw new TokenInvalidError('claim', 'Token names no client (client_id, azp or sub)');
  if (!Array.isArray(merged.scopes) || merged.scopes.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new TokenInvalidError('claim', 'The claims hook mapped scopes to something other than a list of non-empty strings');
  }
  return {
    clientId,
    scopes: [...merged.scopes],
    expiresAt: typeof payload.exp === 'number' ? payload.exp : undefined,
    resource: optionalString(merged.resource, 'resource'),
    subject: optionalString(merged.subject, 'subject'),
    claims: deepFreeze(payload as Record<string, unknown>),
  };
}

/**
 * The default mapping, checked: {@link defaultMapping} then {@link finishClaims}, for a verifier
 * without a claims hook.
 */
export function mapClaims(payload: JWTPayload, expectedAudiences: readonly string[] | undefined): VerifiedClaims {
  return finishClaims(payload, defaultMapping(payload, expectedAudiences));
}
