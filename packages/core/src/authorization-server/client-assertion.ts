/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2, OpenID Connect Core §9): the client
 * signs a short-lived JWT with a key it registered (`jwks`, or `jwks_uri`), instead of sending a
 * secret.
 *
 * @module
 */
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { TokenError } from '../errors/errors.js';
import { fetchJson } from '../http/outbound.js';
import { createPublicAddressFetch } from '../http/public-address-fetch.js';
import { TtlCache } from '../lib/cache.js';
import { sha256 } from '../lib/crypto.js';
import { ASYMMETRIC_ALGORITHMS } from '../lib/jws.js';
import type { OAuthClientInformationFull } from '../protocols/provider.js';
import type { KeyValueStore } from '../storage/store.js';

/** `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
export const JWT_CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Longest lifetime accepted for an assertion, in seconds (`exp` − now), with a minute for clock skew. */
const MAX_LIFETIME = 5 * 60 + 60;
const MAX_ASSERTION_LENGTH = 8 * 1024;
const JWKS_CACHE_SECONDS = 5 * 60;

/** What checking a client assertion needs from the authorization server. */
export interface ClientAssertionContext {
  /** Accepted `aud` values: the token endpoint URL and the issuer identifier. */
  audiences: readonly string[];
  /** Where used `jti`s are remembered (until the assertion expires). */
  store: KeyValueStore;
  /** Clock in seconds since the epoch. */
  now: () => number;
  /** Fetch for `jwks_uri` documents; default the public-address guard on Node, else `fetch`. */
  fetch?: typeof fetch | undefined;
}

const fail = () => new TokenError('invalid_client', 'Client authentication failed');

/** The client id an assertion claims to come from (`iss`, which must equal `sub`), without verifying it: for the lookup only. */
export function assertionClientId(assertion: string): string | undefined {
  if (assertion.length > MAX_ASSERTION_LENGTH) return undefined;
  try {
    const { iss, sub } = decodeJwt(assertion);
    return typeof iss === 'string' && iss === sub ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** Client key sets fetched from `jwks_uri`, by URI, for a few minutes. */
const remoteSets = new TtlCache<string, ReturnType<typeof createLocalJWKSet>>({ maxEntries: 1000 });

async function keySet(client: OAuthClientInformationFull, context: ClientAssertionContext): Promise<ReturnType<typeof createLocalJWKSet>> {
  if (client.jwks !== undefined) return createLocalJWKSet(client.jwks as unknown as JSONWebKeySet);
  const uri = client.jwks_uri;
  if (uri === undefined) throw fail();
  const cached = remoteSets.get(uri);
  if (cached) return cached;
  // the client chose this URL: fetched like a metadata document (no redirects, small, public addresses on Node)
  const { json } = await fetchJson(
    uri,
    {},
    { fetch: context.fetch ?? createPublicAddressFetch() ?? undefined, timeoutMs: 5000, maxResponseBytes: 64 * 1024 },
  );
  const document = json as { keys?: unknown } | null;
  if (typeof document !== 'object' || document === null || !Array.isArray(document.keys)) throw fail();
  const set = createLocalJWKSet(document as unknown as JSONWebKeySet);
  remoteSets.set(uri, set, { ttlSeconds: JWKS_CACHE_SECONDS });
  return set;
}

/**
 * Verify a `private_key_jwt` client assertion for `client`: signed with one of its registered
 * keys by an asymmetric algorithm; `iss` = `sub` = its `client_id`; `aud` names the token
 * endpoint or the issuer; `exp` present and at most five minutes ahead; `jti` present and never
 * seen before (remembered in the store until the assertion expires). Any failure is one
 * `invalid_client` (no detail for the caller).
 *
 * @example
 * ```ts
 * await verifyClientAssertion(client, params.get('client_assertion')!, { audiences: [tokenEndpoint, issuer], store, now });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
export async function verifyClientAssertion(
  client: OAuthClientInformationFull,
  assertion: string,
  context: ClientAssertionContext,
): Promise<void> {
  if (assertion.length > MAX_ASSERTION_LENGTH) throw fail();
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    // keys the client's own jwks_uri cannot deliver (down, refused as an internal address,
    // malformed) fail its authentication: the client's infrastructure, not this server's
    const keys = await keySet(client, context);
    ({ payload } = await jwtVerify(assertion, keys, {
      // asymmetric only (a shared-secret JWT would be `client_secret_jwt`)
      algorithms: [...ASYMMETRIC_ALGORITHMS],
      issuer: client.client_id,
      subject: client.client_id,
      audience: [...context.audiences],
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(context.now() * 1000),
    }));
  } catch {
    throw fail();
  }
  const now = context.now();
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) throw fail();
  if (payload.exp! - now > MAX_LIFETIME) throw fail();
  const seen = await context.store.increment(`as-client-assertions:${await sha256(`${client.client_id}\n${payload.jti}`)}`, {
    ttlSeconds: Math.max(1, payload.exp! - now + 60),
  });
  if (seen > 1) throw fail();
}
