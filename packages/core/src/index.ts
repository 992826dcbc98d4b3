/**
 * `@mcpauth/core`: the protocols, errors, token issuer, resource-server and authorization-server
 * HTTP handlers, and storage of the MCP auth packages.
 *
 * @module
 */

// protocols
export { hasScopes, parseScopes, principalComponents, type AccessToken } from './protocols/access-token.js';
export { ProviderTokenVerifier, type AccessTokenLoader, type InvalidTokenHook, type TokenVerifier } from './protocols/token-verifier.js';
export {
  JWT_BEARER_GRANT_TYPE,
  CLIENT_CREDENTIALS_GRANT_TYPE,
  type AuthorizationCode,
  type AuthorizationParams,
  type IdentityAssertionParams,
  type IdentityAssertionClaims,
  type IdentityAssertionVerifier,
  type OAuthAuthorizationServerProvider,
  type OAuthClientInformationFull,
  type OAuthClientMetadata,
  type OAuthToken,
  type RefreshToken,
} from './protocols/provider.js';

export { type AuthProvider } from './protocols/auth-provider.js';

// errors
export {
  AuthError,
  AuthorizeError,
  BearerError,
  ConfigurationError,
  OAuthProtocolError,
  RateLimitError,
  RegistrationError,
  StorageFullError,
  TokenError,
  TokenInvalidError,
  UpstreamError,
  isAuthError,
  type AnyAuthError,
  type AuthErrorCode,
  type AuthorizeErrorCode,
  type BearerErrorCode,
  type RegistrationErrorCode,
  type TokenErrorCode,
  type TokenInvalidReason,
  type UpstreamFailureReason,
} from './errors/errors.js';
export { bearerChallenge, errorResponse, type BearerChallenge, type ErrorResponseOptions } from './errors/response.js';

// token issuing
export { PBKDF2_ITERATIONS, deriveJwtKey, type JwtKeyMaterial } from './jwt-issuer/derive-key.js';
export {
  JWTIssuer,
  mapJoseError,
  type IssueAccessTokenParams,
  type IssueRefreshTokenParams,
  type JWTIssuerClaims,
  type JWTIssuerOptions,
  type TokenUse,
} from './jwt-issuer/issuer.js';

// resource server
export { createBearerGuard, extractBearerToken, type BearerGuard, type BearerGuardOptions } from './resource-server/bearer-guard.js';
export { requireAudienceCheck } from './resource-server/audience-rule.js';
export {
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
} from './resource-server/metadata.js';
export { normalizeResource, protectedResourceMetadataUrl, sameResource } from './resource-server/resource-url.js';
export {
  RemoteAuthProvider,
  type ForwardMetadataOptions,
  type RemoteAuthProviderOptions,
  type RemoteResourceLocation,
} from './remote/remote-auth-provider.js';

// authorization server
export {
  createAuthorizationServer,
  type AuthorizationServer,
  type AuthorizationServerOptions,
} from './authorization-server/index.js';
export {
  authorizationServerMetadataUrl,
  normalizeIssuer,
  type AuthorizationServerMetadata,
} from './authorization-server/metadata.js';
export { isClientIdMetadataUrl, type ClientIdMetadataDocumentOptions } from './authorization-server/cimd.js';
export { type ClientLookup, type ClientResolver } from './authorization-server/client-auth.js';
export { type ClientRegistrationOptions, type InitialAccessTokenVerifier, type RegistrationRateLimit } from './authorization-server/register.js';
export { authorizationResponseUrl, matchRedirectUri, redirectUriProblem } from './authorization-server/redirect-uri.js';
export {
  InMemoryOAuthProvider,
  type Approval,
  type ApprovalHook,
  type ClientCredentialsHook,
  type IdentityAssertionOptions,
  type InMemoryOAuthProviderOptions,
  type InMemoryRefreshToken,
} from './providers/in-memory-provider.js';

// several verifiers behind one set-up; a development verifier
export { MultiAuth, type MultiAuthOptions } from './multi/multi-auth.js';
export { DebugTokenVerifier, type DebugTokenVerifierOptions } from './multi/debug-token-verifier.js';

// OAuth proxy (an authorization server in front of an IdP without dynamic registration)
export { OAuthProxy } from './proxy/oauth-proxy.js';
export { knownMcpClientRedirectUris } from './proxy/redirect-patterns.js';
export {
  grantApprovedScopes,
  grantUpstreamScopes,
  type OAuthProxyHooks,
  type ScopeGrantContext,
  type UpstreamRevocation,
  type OAuthProxyOptions,
  type UpstreamAuthMethod,
  type UpstreamEndpoints,
} from './proxy/options.js';
export { type UpstreamTokenResponse } from './proxy/upstream.js';
export { type ProxyAuthorizationServerOptions } from './proxy/routes.js';
export { type ConsentMode } from './consent/handler.js';
export { OIDCProxy, type OIDCProxyOptions, type OIDCVerifierContext } from './proxy/oidc-proxy.js';
export { discoverOpenIdConfiguration, type OIDCConfiguration } from './proxy/oidc-discovery.js';

// HTTP plumbing
export { corsHeaders, createRouter, jsonResponse, preflightResponse, routeRequest, type FetchHandler, type Route } from './http/router.js';
export {
  fetchJson,
  sendRequest,
  type FetchJsonOptions,
  type HttpClientOptions,
  type JsonResponse,
  type OutboundRequest,
  type OutboundResponse,
} from './http/outbound.js';
export { clientSecretBasic } from './http/client-secret-basic.js';
export { createPublicAddressFetch, type PublicAddressFetchOptions, type ResolveAddresses, type ResolvedAddress } from './http/public-address-fetch.js';
export { clientAddressOf, setClientAddress } from './http/client-address.js';

// storage
export { collection, type Collection, type IncrementOptions, type KeyValueStore, type SetOptions } from './storage/store.js';
export { MemoryStore, type MemoryStoreOptions } from './storage/memory-store.js';
export { EncryptingStore, type EncryptingStoreOptions } from './storage/encrypting-store.js';

// utilities for provider packages
export { TtlCache, type TtlCacheOptions } from './lib/cache.js';
export { SingleFlight } from './lib/single-flight.js';
export { nodeBuiltin } from './lib/builtin.js';
export { isPkceVerifier, pkceChallenge, randomToken, sha256, timingSafeEqual } from './lib/crypto.js';
export { isLoopbackHost, isSecureUrl, secureUrl } from './lib/url.js';
