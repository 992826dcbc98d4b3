/**
 * `@mcpauth/core`: what an MCP server needs from the core of the MCP auth packages: the token
 * verifier and authorization-server protocols, the errors, the token issuer, the bearer guard and
 * RFC 9728 metadata, the authorization server, the OAuth / OIDC proxies, the remote-auth provider,
 * and the stores. The building blocks that provider packages are made of (outbound HTTP, caches,
 * URL checks, …) are in `@mcpauth/core/kit`; the Node adapters in `@mcpauth/core/node`; the MCP SDK
 * adapters in `@mcpauth/core/mcp`.
 *
 * @module
 */

// protocols
export { boundKeyThumbprint, principalComponents, type AccessToken } from './protocols/access-token.js';
export { ProviderTokenVerifier, type AccessTokenLoader, type InvalidTokenHook, type TokenVerifier } from './protocols/token-verifier.js';
export type { VerifierCacheOptions, VerifierReportingOptions } from './protocols/verifier-policy.js';
export type { Clock } from './lib/clock.js';
export type {
  AuthorizationCode,
  AuthorizationParams,
  IdentityAssertionClaims,
  IdentityAssertionParams,
  IdentityAssertionVerifier,
  OAuthAuthorizationServerProvider,
  OAuthClientInformationFull,
  OAuthClientMetadata,
  OAuthToken,
  RefreshToken,
  TokenIssueOptions,
} from './protocols/provider.js';
export type { AuthProvider } from './protocols/auth-provider.js';

// errors
export {
  AuthError,
  AuthorizeError,
  BearerError,
  ConfigurationError,
  DPoPError,
  OAuthProtocolError,
  RateLimitError,
  RegistrationError,
  StorageFullError,
  TokenError,
  TokenInvalidError,
  UnexpectedError,
  UpstreamError,
  isAuthError,
  type AnyAuthError,
  type AuthErrorCode,
  type AuthorizeErrorCode,
  type BearerErrorCode,
  type DPoPErrorCode,
  type RegistrationErrorCode,
  type TokenErrorCode,
  type TokenInvalidReason,
  type UpstreamFailureReason,
} from './errors/errors.js';
export { errorResponse, type DPoPChallengeOptions, type ErrorResponseOptions } from './errors/response.js';

// DPoP (RFC 9449): the proof check shared by the token endpoint and the bearer guard
export { DPoPProofVerifier, dpopThumbprint, type DPoPProof, type DPoPProofInput, type DPoPProofOptions } from './dpop/proof.js';
export type { DPoPNonceOptions } from './dpop/nonce.js';
export type { ResourceDPoPOptions } from './dpop/resource.js';
export type { AuthorizationServerDPoPOptions } from './dpop/token-endpoint.js';

// logging
export type { LogEventName, LogFields, Logger, LoggingOptions } from './logging/logger.js';
export type { AuthErrorHook } from './logging/reporter.js';

// token issuing
export { deriveJwtKey, type JwtKeyMaterial } from './jwt-issuer/derive-key.js';
export {
  JWTIssuer,
  type IssueAccessTokenParams,
  type IssueRefreshTokenParams,
  type JWTIssuerClaims,
  type JWTIssuerOptions,
  type TokenUse,
} from './jwt-issuer/issuer.js';

// resource server
export { createBearerGuard, type BearerGuard, type BearerGuardOptions } from './resource-server/bearer-guard.js';
export {
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
} from './resource-server/metadata.js';
export {
  RemoteAuthProvider,
  type ForwardMetadataOptions,
  type RemoteAuthProviderOptions,
  type RemoteResourceLocation,
  type RemoteVerifierContext,
} from './remote/remote-auth-provider.js';
export type { RemoteProviderBaseOptions } from './remote/provider-options.js';

// authorization server
export {
  createAuthorizationServer,
  type AuthorizationServer,
  type AuthorizationServerOptions,
} from './authorization-server/index.js';
export type { AuthorizationServerMetadata } from './authorization-server/metadata.js';
export type { ClientIdMetadataDocumentOptions } from './authorization-server/cimd.js';
export type { ClientLookup, ClientResolver } from './authorization-server/client-auth.js';
export type { ClientRegistrationOptions, InitialAccessTokenVerifier, RegistrationRateLimit } from './authorization-server/register.js';
export {
  StoreOAuthProvider,
  type Approval,
  type ApprovalHook,
  type ClientCredentialsHook,
  type IdentityAssertionOptions,
  type StoreOAuthProviderOptions,
} from './providers/store-provider.js';

// several verifiers behind one set-up; a development verifier
export { MultiAuth, type MultiAuthOptions } from './multi/multi-auth.js';
export { DebugTokenVerifier, type DebugTokenVerifierOptions } from './multi/debug-token-verifier.js';

// OAuth proxy (an authorization server in front of an IdP without dynamic registration)
export { OAuthProxy } from './proxy/oauth-proxy.js';
export { knownMcpClientRedirectUris } from './proxy/redirect-patterns.js';
export {
  defaultUpstreamClaims,
  grantApprovedScopes,
  grantVerifiedScopes,
  grantUpstreamScopes,
  type OAuthProxyHooks,
  type ScopeGrantContext,
  type UpstreamRevocation,
  type OAuthProxyOptions,
  type OIDCVerifierContext,
  type ProxyAuthorizationServerOptions,
  type ProxyConsentOptions,
  type ProxyDPoPOptions,
  type ProxyForwardOptions,
  type ProxyLifetimes,
  type UpstreamAuthMethod,
  type UpstreamClientOptions,
  type UpstreamEndpoints,
  type UpstreamOptions,
  type UpstreamPrivateKey,
} from './proxy/options.js';
export type { UpstreamTokenResponse } from './proxy/upstream.js';
export type { ConsentMode } from './consent/handler.js';
export { OIDCProxy, type OIDCProxyOptions, type OIDCUpstreamOptions } from './proxy/oidc-proxy.js';
export type { OIDCConfiguration } from './proxy/oidc-discovery.js';

// serving routes
export { createRouter, routeRequest, type FetchHandler, type Route } from './http/router.js';
export type { HttpClientOptions } from './http/outbound.js';

// storage
export type { IncrementOptions, KeyValueStore, SetOptions } from './storage/store.js';
export { MemoryStore, type MemoryStoreOptions } from './storage/memory-store.js';
export { EncryptingStore, type EncryptingStoreOptions } from './storage/encrypting-store.js';
