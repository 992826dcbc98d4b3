/**
 * `@mcpauth/auth0`: Auth0 for MCP servers.
 *
 * @module
 */
export type { Auth0Claims } from './claims.js';
export { auth0Endpoints, type Auth0Endpoints } from './endpoints.js';
export { Auth0Provider, type Auth0Location, type Auth0ProviderOptions } from './provider.js';
export { revokeAuth0RefreshToken } from './revoke.js';
export { auth0TokenVerifier, type Auth0TokenVerifierOptions } from './verifier.js';
