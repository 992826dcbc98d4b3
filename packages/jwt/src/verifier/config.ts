import type { Clock } from '@mcpauth/core';
import {
  epochSeconds,
  invalidTokenReporter,
  requireAudienceCheck,
  resolveVerifierCache,
  secureUrl,
  type HttpClientOptions,
  type ResolvedVerifierCache,
  type Reporter,
} from '@mcpauth/core/kit';
import type { JWTVerifyGetKey } from 'jose';
import { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, hmacMinBytes, isAsymmetric, isHmac } from '../keys/algorithms.js';
import { checkPublicKey, publicKeyResolver } from '../keys/public-key.js';
import { RemoteKeySet } from '../keys/remote-key-set.js';
import type { JWTAudienceCheck, JWTClaimsHook, JWTVerifierOptions } from './options.js';

/** The checked, defaulted form of {@link JWTVerifierOptions}. */
export interface VerifierConfig {
  key: Uint8Array | JWTVerifyGetKey;
  keySet: RemoteKeySet | undefined;
  algorithms: string[];
  issuer: string[] | undefined;
  /** Audiences jose checks (`aud` contains one), or the caller's check of the verified payload. */
  audience: string[] | JWTAudienceCheck | undefined;
  claims: JWTClaimsHook | undefined;
  requiredScopes: string[];
  clockTolerance: number;
  maxTokenAge: number | undefined;
  typ: string | undefined;
  requireExp: boolean;
  maxTokenLength: number;
  cache: ResolvedVerifierCache | undefined;
  /** Whether signatures may be checked with `node:crypto` where the runtime has it. */
  nativeCrypto: boolean;
  report: Reporter;
  now: Clock;
}

const DEFAULTS = {
  clockTolerance: 30,
  maxTokenLength: 8192,
  cacheEntries: 1000,
  cacheTtlSeconds: 300,
  jwksCacheMaxAge: 600,
  jwksCooldown: 30,
  jwksTimeoutMs: 5000,
  jwksMaxBytes: 256 * 1024,
};
const SOURCES = ['jwksUri', 'publicKey', 'secret'] as const;

function fail(message: string): never {
  throw new TypeError(`JWTVerifier: ${message}`);
}

function stringList(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string' || v.length === 0)) {
    fail(`${name} must be a non-empty string or a non-empty list of them`);
  }
  return [...(list as string[])];
}

function seconds(value: unknown, name: string, fallback: number | undefined, { positive = false } = {}): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    fail(`${name} must be a ${positive ? 'positive' : 'non-negative'} number of seconds`);
  }
  return value;
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1) fail(`${name} must be a positive integer`);
  return value as number;
}

function checkAlgorithms(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) fail('algorithms must be a non-empty list');
  for (const alg of value) {
    if (typeof alg !== 'string' || (!isHmac(alg) && !isAsymmetric(alg))) {
      fail(`algorithm ${JSON.stringify(alg)} is not supported (allowed: ${[...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS].join(', ')})`);
    }
  }
  return [...new Set(value as string[])];
}

function secretBytes(secret: unknown): Uint8Array {
  if (typeof secret === 'string') return new TextEncoder().encode(secret);
  if (secret instanceof Uint8Array) return new Uint8Array(secret);
  fail('secret must be a string or a Uint8Array');
}

/** Check {@link JWTVerifierOptions} (throwing `TypeError`) and fill in the defaults. */
export function resolveConfig(options: JWTVerifierOptions, onKeySetChange: () => void): VerifierConfig {
  if (typeof options !== 'object' || options === null) fail('options are required');
  const given = SOURCES.filter((name) => (options as unknown as Record<string, unknown>)[name] !== undefined);
  if (given.length !== 1) {
    fail(`give exactly one of jwksUri, publicKey or secret${given.length > 1 ? ` (got ${given.join(' and ')})` : ''}`);
  }
  const report = invalidTokenReporter(options, 'JWTVerifier');
  if (options.now !== undefined && typeof options.now !== 'function') fail('now must be a function returning seconds since the epoch');
  const now = options.now ?? epochSeconds;
  if (options.claims !== undefined && typeof options.claims !== 'function') fail('claims must be a function');
  const requested = checkAlgorithms(options.algorithms);

  let key: Uint8Array | JWTVerifyGetKey;
  let keySet: RemoteKeySet | undefined;
  let algorithms: string[];
  if (options.secret !== undefined) {
    const bytes = secretBytes(options.secret);
    if (bytes.length < 32) fail('secret must be at least 32 bytes (RFC 7518 §3.2)');
    if (requested?.some((alg) => !isHmac(alg))) fail('a secret verifies only HMAC algorithms (HS256, HS384, HS512)');
    for (const alg of requested ?? []) {
      if (bytes.length < hmacMinBytes(alg)) fail(`${alg} needs a secret of at least ${hmacMinBytes(alg)} bytes (RFC 7518 §3.2)`);
    }
    algorithms = requested ?? HMAC_ALGORITHMS.filter((alg) => bytes.length >= hmacMinBytes(alg));
    key = bytes;
  } else {
    if (requested?.some(isHmac)) fail('HMAC algorithms need `secret`; they are never accepted with a public key or a JWKS');
    if (options.publicKey !== undefined) {
      const fitting = checkPublicKey(options.publicKey);
      algorithms = requested ?? fitting ?? [...ASYMMETRIC_ALGORITHMS];
      if (fitting && !algorithms.some((alg) => (fitting as string[]).includes(alg))) {
        fail(`algorithms ${algorithms.join(', ')} do not fit the public key (it verifies ${fitting.join(', ')})`);
      }
      key = publicKeyResolver(options.publicKey);
    } else {
      const http: HttpClientOptions = options;
      algorithms = requested ?? [...ASYMMETRIC_ALGORITHMS];
      keySet = new RemoteKeySet({
        url: secureUrl(options.jwksUri, 'JWTVerifier: jwksUri'),
        algorithms,
        cacheMaxAge: seconds(options.jwksCacheMaxAge, 'jwksCacheMaxAge', DEFAULTS.jwksCacheMaxAge)!,
        cooldown: seconds(options.jwksCooldown, 'jwksCooldown', DEFAULTS.jwksCooldown)!,
        http: {
          ky: http.ky,
          fetch: http.fetch,
          timeoutMs: positiveInteger(http.timeoutMs, 'timeoutMs', DEFAULTS.jwksTimeoutMs),
          maxResponseBytes: positiveInteger(http.maxResponseBytes, 'maxResponseBytes', DEFAULTS.jwksMaxBytes),
        },
        now,
        onChange: onKeySetChange,
        report,
      });
      key = keySet.getKey;
    }
  }

  const requiredScopes = options.requiredScopes ?? [];
  if (!Array.isArray(requiredScopes) || requiredScopes.some((s) => typeof s !== 'string' || s.length === 0)) {
    fail('requiredScopes must be a list of non-empty strings');
  }
  if (options.typ !== undefined && (typeof options.typ !== 'string' || options.typ.length === 0)) fail('typ must be a non-empty string');
  if (options.requireExp !== undefined && typeof options.requireExp !== 'boolean') fail('requireExp must be a boolean');
  if (options.nativeCrypto !== undefined && typeof options.nativeCrypto !== 'boolean') fail('nativeCrypto must be a boolean');
  requireAudienceCheck(options, 'JWTVerifier', 'audience', 'the MCP endpoint URL (or the audience your IdP puts in its tokens)');
  const audience = typeof options.audience === 'function' ? options.audience : stringList(options.audience, 'audience');
  return {
    key,
    keySet,
    algorithms,
    issuer: stringList(options.issuer, 'issuer'),
    audience,
    claims: options.claims,
    requiredScopes: [...requiredScopes],
    clockTolerance: seconds(options.clockTolerance, 'clockTolerance', DEFAULTS.clockTolerance)!,
    maxTokenAge: seconds(options.maxTokenAge, 'maxTokenAge', undefined, { positive: true }),
    typ: options.typ,
    requireExp: options.requireExp ?? true,
    maxTokenLength: positiveInteger(options.maxTokenLength, 'maxTokenLength', DEFAULTS.maxTokenLength),
    cache: resolveVerifierCache(options.cache, 'JWTVerifier', {
      enabled: true,
      ttlSeconds: DEFAULTS.cacheTtlSeconds,
      maxEntries: DEFAULTS.cacheEntries,
    }),
    nativeCrypto: options.nativeCrypto ?? true,
    report,
    now,
  };
}
