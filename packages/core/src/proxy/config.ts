import { MIN_KEY_BYTES, isStrongKeyMaterial } from '../lib/key-material.js';
import { secureUrl } from '../lib/url.js';
import { cookiePolicyFor, type CookiePolicy } from '../consent/cookies.js';
import type { ConsentMode } from '../consent/handler.js';
import { protectedResourceMetadataUrl } from '../resource-server/resource-url.js';
import type { HttpClientOptions } from '../http/outbound.js';
import type { TokenVerifier } from '../protocols/token-verifier.js';
import { MemoryStore } from '../storage/memory-store.js';
import type { KeyValueStore } from '../storage/store.js';
import type { Logger } from '../logging/logger.js';
import { createReporter, type AuthErrorHook, type Reporter } from '../logging/reporter.js';
import {
  defaultUpstreamClaims,
  grantApprovedScopes,
  grantUpstreamScopes,
  type OAuthProxyHooks,
  type OAuthProxyOptions,
  type OIDCVerifierContext,
  type ProxyAuthorizationServerOptions,
  type ProxyDPoPOptions,
  type UpstreamAuthMethod,
  type UpstreamEndpoints,
  type UpstreamOptions,
} from './options.js';
import { LOOPBACK_REDIRECT_PATTERNS, redirectUriMatcher } from './redirect-patterns.js';
import { resolvePrivateKey, type UpstreamSigningKey } from './client-assertion.js';

/** The upstream client, resolved: credentials, what is asked for, how its tokens are verified. */
export interface UpstreamConfig {
  clientId: string;
  clientSecret: string | undefined;
  /** The key of `private_key_jwt`, checked. */
  privateKey: UpstreamSigningKey | undefined;
  /** Scopes always requested upstream. */
  scopes: readonly string[];
  verifyIdToken: boolean;
  extraAuthorizeParams: Readonly<Record<string, string>>;
  extraTokenParams: Readonly<Record<string, string>>;
  /**
   * Where the endpoints come from: given, or discovered on first use. A discovered upstream
   * without an explicit `authMethod` gets the one it supports (`undefined` until then).
   */
  source:
    | { kind: 'static'; endpoints: UpstreamEndpoints; verifier: TokenVerifier; authMethod: UpstreamAuthMethod }
    | {
        kind: 'discovery';
        configUrl: string;
        expectedIssuer: string | undefined;
        verifier: TokenVerifier | ((context: OIDCVerifierContext) => TokenVerifier);
        authMethod: UpstreamAuthMethod | undefined;
      };
}

/** The consent page, resolved. */
export interface ConsentConfig {
  mode: ConsentMode;
  serverName: string;
  providerName: string | undefined;
  scopeDescriptions: Readonly<Record<string, string>> | undefined;
  contentSecurityPolicy: string | undefined;
}

/** The hooks, with their defaults filled in. */
export interface HooksConfig {
  authorizeUrl: OAuthProxyHooks['authorizeUrl'];
  tokenExchangeScopes: OAuthProxyHooks['tokenExchangeScopes'];
  refreshScopes: OAuthProxyHooks['refreshScopes'];
  revokeUpstream: OAuthProxyHooks['revokeUpstream'];
  upstreamClaims: NonNullable<OAuthProxyHooks['upstreamClaims']>;
  grantScopes: NonNullable<OAuthProxyHooks['grantScopes']>;
}

/** Options resolved and checked once, at construction: nothing downstream reads the raw options. */
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
  upstream: UpstreamConfig;
  consent: ConsentConfig;
  hooks: HooksConfig;
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
  /** Send the client's scopes upstream next to `upstream.scopes`. */
  forwardScopes: boolean;
  /** Send a PKCE challenge upstream. */
  forwardPkce: boolean;
  /** What every proxy key is derived from: `jwtSigningKey`, else the upstream client secret. */
  keyMaterial: string | Uint8Array;
  /** The store as given (the proxy wraps it in an `EncryptingStore`). */
  store: KeyValueStore;
  authorizationServer: ProxyAuthorizationServerOptions;
  /** DPoP at the token endpoint and the guard, with the proxy's store. */
  dpop: (ProxyDPoPOptions & { store: KeyValueStore }) | undefined;
  http: HttpClientOptions | undefined;
  /** The `onError` and `logger` options as given (for the authorization server and guard the proxy builds). */
  listeners: { onError: AuthErrorHook | undefined; logger: Logger | false | undefined };
  /** Reports the proxy's errors to `onError` and the logger. */
  report: Reporter;
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

function flag(value: unknown, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`OAuthProxy: ${name} must be a boolean`);
  return value;
}

function isAuthMethod(value: unknown): value is UpstreamAuthMethod {
  return value === 'client_secret_basic' || value === 'client_secret_post' || value === 'private_key_jwt' || value === 'none';
}

/** Check and resolve `upstream`; throws `TypeError` for bad options. */
function resolveUpstream(u: UpstreamOptions): UpstreamConfig {
  if (!u || typeof u !== 'object') throw new TypeError('OAuthProxy: upstream is required');
  if (typeof u.clientId !== 'string' || u.clientId.length === 0) throw new TypeError('OAuthProxy: upstream.clientId is required');
  if (u.clientSecret !== undefined && (typeof u.clientSecret !== 'string' || u.clientSecret.length === 0)) {
    throw new TypeError('OAuthProxy: upstream.clientSecret must be a non-empty string');
  }
  if (u.authMethod !== undefined && !isAuthMethod(u.authMethod)) {
    throw new TypeError('OAuthProxy: upstream.authMethod must be client_secret_basic, client_secret_post, private_key_jwt or none');
  }
  const privateKey = u.privateKey === undefined ? undefined : resolvePrivateKey(u.privateKey);
  if (privateKey && u.clientSecret) throw new TypeError('OAuthProxy: give upstream.clientSecret or upstream.privateKey, not both');
  if (privateKey && u.authMethod !== undefined && u.authMethod !== 'private_key_jwt') {
    throw new TypeError('OAuthProxy: upstream.privateKey is for authMethod private_key_jwt');
  }
  if (u.authMethod === 'private_key_jwt' && !privateKey) throw new TypeError('OAuthProxy: private_key_jwt needs upstream.privateKey');
  if (u.authMethod !== undefined && u.authMethod !== 'none' && !privateKey && !u.clientSecret)
    throw new TypeError(`OAuthProxy: ${u.authMethod} needs upstream.clientSecret`);
  let source: UpstreamConfig['source'];
  if (u.configUrl !== undefined) {
    if (typeof u.verifier !== 'function' && typeof u.verifier?.verifyToken !== 'function') {
      throw new TypeError('OAuthProxy: upstream.verifier must be a verifier or a function that builds one');
    }
    source = {
      kind: 'discovery',
      configUrl: secureUrl(u.configUrl, 'OAuthProxy: upstream.configUrl').href,
      expectedIssuer: u.expectedIssuer,
      verifier: u.verifier,
      // with a secret and no explicit method: decided by what the discovered upstream supports
      authMethod: privateKey ? 'private_key_jwt' : u.clientSecret ? u.authMethod : 'none',
    };
  } else {
    endpoint(u.authorizationEndpoint, 'authorizationEndpoint');
    endpoint(u.tokenEndpoint, 'tokenEndpoint');
    if (u.revocationEndpoint !== undefined) endpoint(u.revocationEndpoint, 'revocationEndpoint');
    if (u.issuer !== undefined && (typeof u.issuer !== 'string' || u.issuer.length === 0))
      throw new TypeError('OAuthProxy: upstream.issuer must be a non-empty string');
    if (privateKey?.audience === 'issuer' && u.issuer === undefined) {
      throw new TypeError("OAuthProxy: upstream.privateKey.audience 'issuer' needs upstream.issuer when the endpoints are given");
    }
    if (typeof u.verifier?.verifyToken !== 'function') throw new TypeError('OAuthProxy: upstream.verifier must implement verifyToken');
    const endpoints = {
      issuer: u.issuer,
      authorizationEndpoint: u.authorizationEndpoint,
      tokenEndpoint: u.tokenEndpoint,
      revocationEndpoint: u.revocationEndpoint,
    };
    source = {
      kind: 'static',
      endpoints,
      verifier: u.verifier,
      authMethod: u.authMethod ?? (privateKey ? 'private_key_jwt' : u.clientSecret ? 'client_secret_basic' : 'none'),
    };
  }
  return {
    clientId: u.clientId,
    clientSecret: u.clientSecret,
    privateKey,
    scopes: scopeList(u.scopes, 'upstream.scopes') ?? [],
    verifyIdToken: flag(u.verifyIdToken, false, 'upstream.verifyIdToken'),
    extraAuthorizeParams: u.extraAuthorizeParams ?? {},
    extraTokenParams: u.extraTokenParams ?? {},
    source,
  };
}

function scopeList(v: readonly string[] | undefined, name: string): readonly string[] | undefined {
  if (v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))) {
    throw new TypeError(`OAuthProxy: ${name} must be an array of scope tokens`);
  }
  return v;
}

/** Check and resolve the options; throws `TypeError` for bad ones. */
export function resolveConfig(o: OAuthProxyOptions): ProxyConfig {
  if (!o || typeof o !== 'object') throw new TypeError('OAuthProxy: options are required');
  const upstream = resolveUpstream(o.upstream);
  const keyMaterial = o.jwtSigningKey ?? upstream.clientSecret;
  if (keyMaterial === undefined) throw new TypeError('OAuthProxy: jwtSigningKey is required when there is no upstream.clientSecret');
  if (!isStrongKeyMaterial(keyMaterial)) {
    throw new TypeError(
      o.jwtSigningKey !== undefined
        ? `OAuthProxy: jwtSigningKey must be at least ${MIN_KEY_BYTES} random bytes`
        : `OAuthProxy: without jwtSigningKey every proxy key is derived from upstream.clientSecret, which is shorter than ${MIN_KEY_BYTES} bytes: set jwtSigningKey to ${MIN_KEY_BYTES} random bytes`,
    );
  }
  const c = o.consent ?? {};
  const mode = c.mode ?? 'always';
  if (!['always', 'remember', 'off', 'external'].includes(mode))
    throw new TypeError('OAuthProxy: consent.mode must be always, remember, off or external');
  const forward = o.forward ?? {};
  const forwardScopes = flag(forward.scopes, true, 'forward.scopes');
  const lifetimes = o.lifetimes ?? {};

  const baseUrl = url(o.baseUrl, 'baseUrl');
  const cookies = cookiePolicyFor(baseUrl);
  const resourceBase = o.resourceBaseUrl === undefined ? baseUrl : url(o.resourceBaseUrl, 'resourceBaseUrl');
  const issuer = o.issuerUrl === undefined ? baseUrl : url(o.issuerUrl, 'issuerUrl');
  const resourceUrl = joinUrl(resourceBase, path(o.mcpPath, '/mcp', 'mcpPath')).href;
  const callbackUrl = joinUrl(baseUrl, path(o.redirectPath, '/auth/callback', 'redirectPath'));
  const consentUrl = joinUrl(baseUrl, path(o.consentPath, '/consent', 'consentPath'));
  const validScopes = scopeList(o.validScopes, 'validScopes');
  const requiredScopes = scopeList(o.requiredScopes, 'requiredScopes') ?? [];
  const defaultScopes = scopeList(o.defaultScopes, 'defaultScopes') ?? requiredScopes;
  if (validScopes) {
    const outside = [...defaultScopes, ...requiredScopes].filter((s) => !validScopes.includes(s));
    if (outside.length > 0) throw new TypeError(`OAuthProxy: scopes ${outside.join(', ')} are not in validScopes`);
  }
  const hooks = o.hooks ?? {};
  if (o.dpop !== undefined && (typeof o.dpop !== 'object' || o.dpop === null)) throw new TypeError('OAuthProxy: dpop must be an object');
  const store = o.store ?? new MemoryStore();
  const report = createReporter({ source: 'OAuthProxy', hook: o.onError, logger: o.logger });
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
    upstream,
    consent: {
      mode,
      serverName: c.serverName ?? new URL(resourceUrl).host,
      providerName: c.providerName,
      scopeDescriptions: c.scopeDescriptions,
      contentSecurityPolicy: c.contentSecurityPolicy,
    },
    hooks: {
      authorizeUrl: hooks.authorizeUrl,
      tokenExchangeScopes: hooks.tokenExchangeScopes,
      refreshScopes: hooks.refreshScopes,
      revokeUpstream: hooks.revokeUpstream,
      upstreamClaims: hooks.upstreamClaims ?? defaultUpstreamClaims,
      // The upstream can vouch only for scopes it was asked for.
      grantScopes: hooks.grantScopes ?? (forwardScopes ? grantUpstreamScopes : grantApprovedScopes),
    },
    redirectAllowed: redirectUriMatcher(o.allowedClientRedirectUris ?? LOOPBACK_REDIRECT_PATTERNS),
    validScopes,
    defaultScopes,
    requiredScopes,
    accessTokenTtl: lifetime(lifetimes.accessToken, 3600, 'lifetimes.accessToken'),
    refreshTokenTtl: lifetime(lifetimes.refreshToken, 30 * 24 * 3600, 'lifetimes.refreshToken'),
    registeredClientTtl: lifetime(lifetimes.registeredClient, 24 * 3600, 'lifetimes.registeredClient'),
    upstreamOutageGrace:
      lifetimes.upstreamOutageGrace === 0 ? 0 : lifetime(lifetimes.upstreamOutageGrace, 600, 'lifetimes.upstreamOutageGrace'),
    forwardResource: flag(forward.resource, false, 'forward.resource'),
    forwardScopes,
    forwardPkce: flag(forward.pkce, true, 'forward.pkce'),
    keyMaterial,
    store,
    authorizationServer: o.authorizationServer ?? {},
    dpop: o.dpop === undefined ? undefined : { ...o.dpop, store },
    http: o.http,
    listeners: { onError: o.onError, logger: o.logger },
    report,
    now: o.now ?? (() => Math.floor(Date.now() / 1000)),
  };
}
