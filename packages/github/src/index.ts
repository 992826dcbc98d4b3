/**
 * `@mcpauth/github`: GitHub OAuth for MCP servers.
 *
 * @module
 */
export { githubEndpoints, type GitHubEndpoints } from './endpoints.js';
export {
  GitHubTokenVerifier,
  type GitHubAccessToken,
  type GitHubClaims,
  type GitHubTokenVerifierOptions,
} from './token-verifier.js';
export { GitHubProvider, type GitHubProviderOptions } from './provider.js';
export { githubTokenRevoker } from './revoke.js';
