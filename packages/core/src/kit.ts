/**
 * `@mcpauth/core/kit`: the building blocks that provider, verifier and store packages are made
 * of, for authors of such packages (and of server adapters). An MCP server needs none of them:
 * its API is `@mcpauth/core`.
 *
 * - Outbound HTTP: {@link sendRequest} and {@link fetchJson} (timeout, size limit, no redirects,
 *   OAuth error bodies become `UpstreamError`), {@link clientSecretBasic} (RFC 6749 §2.3.1), and
 *   {@link createPublicAddressFetch} for URLs a client chooses (SSRF guard on Node).
 * - Verifier helpers: {@link TtlCache}, {@link SingleFlight}, {@link parseScopes},
 *   {@link hasScopes}, {@link requireAudienceCheck} (RFC 8707 rule for options),
 *   {@link mapJoseError}, {@link sha256}, {@link timingSafeEqual}, {@link nodeBuiltin} (a Node
 *   built-in reached at run time, for a native fast path without a static `node:` import),
 *   {@link resolveVerifierCache} and {@link invalidTokenReporter} (the verifier policy's cache
 *   option and hook rules), {@link CachedTokenCheck} (the whole policy around one upstream call,
 *   for verifiers of opaque tokens), {@link epochSeconds} (the default clock, in seconds).
 * - Reporting: {@link createReporter} (one path to a component's `onError` hook and `logger`),
 *   {@link reportedErrorResponse}.
 * - URLs: {@link secureUrl}, {@link isSecureUrl}, {@link isLoopbackHost},
 *   {@link protectedResourceMetadataUrl} (RFC 9728 §3.1).
 * - Storage: {@link collection}, a typed view of a `KeyValueStore`.
 * - HTML: {@link escapeHtml}, the escape of the consent and error pages, for pages of your own.
 * - Rate limits: {@link setClientAddress}, the address a server adapter records for the
 *   per-address limits of the authorization server.
 * - Remote-family providers: {@link remoteResourceLocation} and {@link forwardedMetadataOption},
 *   to map a provider's options onto `RemoteAuthProvider`'s.
 *
 * @module
 */

// outbound HTTP
export {
  fetchJson,
  httpClientOptions,
  sendRequest,
  type FetchJsonOptions,
  type HttpClientOptions,
  type JsonResponse,
  type OutboundRequest,
  type OutboundResponse,
} from './http/outbound.js';
export { clientSecretBasic } from './http/client-secret-basic.js';
export {
  createPublicAddressFetch,
  type PublicAddressFetchOptions,
  type ResolveAddresses,
  type ResolvedAddress,
} from './http/public-address-fetch.js';

// verifier helpers
export { TtlCache, type TtlCacheOptions } from './lib/cache.js';
export { SingleFlight } from './lib/single-flight.js';
export { hasScopes, parseScopes } from './protocols/access-token.js';
export { requireAudienceCheck } from './resource-server/audience-rule.js';
export { mapJoseError } from './jwt-issuer/issuer.js';
export { sha256, timingSafeEqual } from './lib/crypto.js';
export { nodeBuiltin } from './lib/builtin.js';
export { invalidTokenReporter, resolveVerifierCache, type ResolvedVerifierCache } from './protocols/verifier-policy.js';
export { CachedTokenCheck, type CachedTokenCheckOptions, type TokenCheckVerdict } from './protocols/cached-token-check.js';
export { createReporter, reportedErrorResponse, type Reporter } from './logging/reporter.js';
export { epochSeconds } from './lib/clock.js';

// URLs
export { isLoopbackHost, isSecureUrl, secureUrl } from './lib/url.js';
export { protectedResourceMetadataUrl } from './resource-server/resource-url.js';

// storage
export { collection, type Collection } from './storage/store.js';

// HTML
export { escapeHtml } from './http/html.js';

// rate limits
export { setClientAddress } from './http/client-address.js';

// remote-family providers
export { forwardedMetadataOption, remoteResourceLocation } from './remote/provider-options.js';
