import { MIN_KEY_BYTES, isStrongKeyMaterial } from '../lib/key-material.js';
import { secureUrl } from '../lib/url.js';
import { cookiePolicyFor, type CookiePolicy } from '../consent/cookies.js';
import type { ConsentMode } from '../consent/handler.js';
import { protectedResourceMetadataUrl } from '../resource-server/resource-url.js';
import type { OAuthProxyOptions, UpstreamAuthMethod } from './options.js';
import { LOOPBACK_REDIRECT_PATTERNS, redirectUriMatcher } from './redirect-patterns.js';

/** Options resolved and checked once, at construction. */
export interface ProxyConfig {
  baseUrl: URL;
  issuerUrl: string;
  resourceUrl: string;
  resourceMetadataUrl: string;
  /** Absolute URL and route path of the upstream callback. */
  callbackUrl: string;
  callbackPath: string;
  consentUrl: string;
  consentPath: string;
  cookies: CookiePolicy;
  consent: ConsentMode;
  authMethod: UpstreamAuthMethod;
  redirectAllowed: (uri: string) => boolean;
  validScopes: readonly string[] | undefined;
  defaultScopes: readonly string[];
  requiredScopes: readonly string[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  registeredClientTtl: number;
  upstreamOutageGrace: number;
  /** Send the client's `resource` upstream (RFC 8707). */
  forwardResource: boolean;
  /** Send the client's scopes upstream next to `upstreamScopes`. */
  forwardScopes: boolean;
  /** Send a PKCE challenge upstream. */
  forwardPkce: boolean;
  now: () => number;
}

/** Transactions waiting for consent live this long (seconds). */
export const TRANSACTION_TTL = 15 * 60;
/** Approved flows waiting for the upstream callback live this long (seconds). */
export const PENDING_TTL = 10 * 60;
/** Client authorization codes live this long (seconds). */
export const CODE_TTL = 5 * 60;
/** A step-up challenge refuses the grant's next refresh for this long (seconds). */
export const STEP_UP_TTL = 10 * 60;

/** A public URL of the proxy: https (http only on loopback), no query or fragment. */
function url(value: string | URL, name: string): URL {
  const u = secureUrl(value, `OAuthProxy: ${name}`);
  if (u.search) throw new TypeError(`OAuthProxy: ${name} must not have a query or fragment`);
  return u;
}

function path(value: string | undefined, fallback: string, name: string): string {
  const p = value ?? fallback;
  if (!/^\/[A-Za-z0-9\-._~/%]*$/.test(p)) throw new TypeError(`OAuthProxy: ${name} must be a path starting with "/"`);
  return p;
}

/** `base` (with its own path) joined with an absolute route path. */
export function joinUrl(base: URL, routePath: string): URL {
  return new URL(base.href.replace(/\/$/, '') + routePath);
}

function lifetime(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new TypeError(`OAuthProxy: ${name} must be a positive number of seconds`);
  return Math.floor(v);
}

function endpoint(value: unknown, name: string): void {
  secureUrl(value, `OAuthProxy: upstream.${name}`);
}

/** Check and resolve the options; throws `TypeError` for bad ones. */
export function resolveConfig(o: OAuthProxyOptions): ProxyConfig {
  if (!o || typeof o !== 'object') throw new TypeError('OAuthProxy: options are required');
  if (!o.upstream || typeof o.upstream !== 'object') throw new TypeError('OAuthProxy: upstream endpoints are required');
  endpoint(o.upstream.authorizationEndpoint, 'authorizationEndpoint');
  endpoint(o.upstream.tokenEndpoint, 'tokenEndpoint');
  if (o.upstream.revocationEndpoint !== undefined) endpoint(o.upstream.revocationEndpoint, 'revocationEndpoint');
  if (typeof o.clientId !== 'string' || o.clientId.length === 0) throw new TypeError('OAuthProxy: clientId is required');
  if (o.clientSecret !== undefined && (typeof o.clientSecret !== 'string' || o.clientSecret.length === 0)) {
    throw new TypeError('OAuthProxy: clientSecret must be a non-empty string');
  }
  if (!o.upstreamVerifier || typeof o.upstreamVerifier.verifyToken !== 'function') {
    throw new TypeError('OAuthProxy: upstreamVerifier must implement verifyToken');
  }
  const authMethod = o.tokenEndpointAuthMethod ?? (o.clientSecret ? 'client_secret_basic' : 'none');
  if (!['client_secret_basic', 'client_secret_post', 'none'].includes(authMethod)) {
    throw new TypeError('OAuthProxy: tokenEndpointAuthMethod must be client_secret_basic, client_secret_post or none');
  }
  if (authMethod !== 'none' && !o.clientSecret) throw new TypeError(`OAuthProxy: ${authMethod} needs clientSecret`);
  const key = o.jwtSigningKey;
  if (key === undefined && !o.clientSecret) throw new TypeError('OAuthProxy: jwtSigningKey is required when there is no clientSecret');
  if (key !== undefined && !isStrongKeyMaterial(key)) {
    throw new TypeError(`OAuthProxy: jwtSigningKey must be at least ${MIN_KEY_BYTES} random bytes`);
  }
  if (key === undefined && !isStrongKeyMaterial(o.clientSecret)) {
    throw new TypeError(
      `OAuthProxy: without jwtSigningKey every proxy key is derived from clientSecret, which is shorter than ${MIN_KEY_BYTES} bytes: set jwtSigningKey to ${MIN_KEY_BYTES} random bytes`,
    );
  }
  const consent = o.consent ?? 'always';
  if (!['always', 'remember', 'off', 'external'].includes(consent)) throw new TypeError('OAuthProxy: consent must be always, remember, off or external');

  const baseUrl = url(o.baseUrl, 'baseUrl');
  const cookies = cookiePolicyFor(baseUrl);
  const resourceBase = o.resourceBaseUrl === undefined ? baseUrl : url(o.resourceBaseUrl, 'resourceBaseUrl');
  const issuer = o.issuerUrl === undefined ? baseUrl : url(o.issuerUrl, 'issuerUrl');
  const resourceUrl = joinUrl(resourceBase, path(o.mcpPath, '/mcp', 'mcpPath')).href;
  const callbackUrl = joinUrl(baseUrl, path(o.redirectPath, '/auth/callback', 'redirectPath'));
  const consentUrl = joinUrl(baseUrl, path(o.consentPath, '/consent', 'consentPath'));
  const scopeList = (v: readonly string[] | undefined, name: string) => {
    if (v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))) {
      throw new TypeError(`OAuthProxy: ${name} must be an array of scope tokens`);
    }
    return v;
  };
  const validScopes = scopeList(o.validScopes, 'validScopes');
  const requiredScopes = scopeList(o.requiredScopes, 'requiredScopes') ?? [];
  const defaultScopes = scopeList(o.defaultScopes, 'defaultScopes') ?? requiredScopes;
  scopeList(o.upstreamScopes, 'upstreamScopes');
  if (validScopes) {
    const outside = [...defaultScopes, ...requiredScopes].filter((s) => !validScopes.includes(s));
    if (outside.length > 0) throw new TypeError(`OAuthProxy: scopes ${outside.join(', ')} are not in validScopes`);
  }
  return {
    baseUrl,
    issuerUrl: issuer.href.replace(/\/$/, ''),
    resourceUrl,
    resourceMetadataUrl: protectedResourceMetadataUrl(resourceUrl),
    callbackUrl: callbackUrl.href,
    callbackPath: callbackUrl.pathname,
    consentUrl: consentUrl.href,
    consentPath: consentUrl.pathname,
    cookies,
    consent,
    authMethod,
    redirectAllowed: redirectUriMatcher(o.allowedClientRedirectUris ?? LOOPBACK_REDIRECT_PATTERNS),
    validScopes,
    defaultScopes,
    requiredScopes,
    accessTokenTtl: lifetime(o.accessTokenTtl, 3600, 'accessTokenTtl'),
    refreshTokenTtl: lifetime(o.refreshTokenTtl, 30 * 24 * 3600, 'refreshTokenTtl'),
    registeredClientTtl: lifetime(o.registeredClientTtl, 24 * 3600, 'registeredClientTtl'),
    upstreamOutageGrace: o.upstreamOutageGrace === 0 ? 0 : lifetime(o.upstreamOutageGrace, 600, 'upstreamOutageGrace'),
    forwardResource: o.forwardResource ?? false,
    forwardScopes: o.forwardScopes ?? true,
    forwardPkce: o.forwardPkce ?? true,
    now: o.now ?? (() => Math.floor(Date.now() / 1000)),
  };
}
