import { UpstreamError } from '@mcpauth/core';
import { errors as joseErrors } from 'jose';

/**
 * An outage: the keys could not be fetched (our `UpstreamError`, or jose's own timeout) and no
 * cached key fits the token. Thrown, not reported: the verifier cannot say whether the token is valid.
 */
export function asOutage(err: unknown): UpstreamError | undefined {
  if (err instanceof UpstreamError) return err;
  if (err instanceof joseErrors.JWKSTimeout) return new UpstreamError('timeout', 'JWKS request timed out', { cause: err });
  return undefined;
}
