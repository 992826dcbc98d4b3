/**
 * `@mcpauth/google`: Google sign-in for MCP servers.
 *
 * @module
 */
export { googleEndpoints, type GoogleEndpoints } from './endpoints.js';
export {
  GoogleTokenVerifier,
  type GoogleAccessToken,
  type GoogleClaims,
  type GoogleTokenVerifierOptions,
} from './token-verifier.js';
export { GoogleProvider, type GoogleProviderOptions } from './provider.js';
export { googleTokenRevoker } from './revoke.js';
