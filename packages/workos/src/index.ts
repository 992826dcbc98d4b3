/**
 * `@mcpauth/workos`: WorkOS for MCP servers. `AuthKitProvider` (AuthKit is the authorization
 * server; its JWTs are verified here), `WorkOSProvider` (an OAuth proxy in front of a WorkOS
 * Connect application) and `WorkOSTokenVerifier` (WorkOS tokens checked at userinfo).
 *
 * @module
 */
export { AuthKitProvider, type AuthKitProviderOptions } from './authkit.js';
export { authkitClaims, type AuthKitClaims } from './claims.js';
export { workosEndpoints, type WorkOSEndpoints } from './endpoints.js';
export { WorkOSProvider, type WorkOSProviderOptions } from './provider.js';
export {
  WorkOSTokenVerifier,
  type WorkOSAccessToken,
  type WorkOSTokenVerifierOptions,
  type WorkOSUserInfoClaims,
} from './token-verifier.js';
