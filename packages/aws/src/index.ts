/**
 * `@mcpauth/aws`: Amazon Cognito user pools for MCP servers.
 *
 * @module
 */
export type { CognitoClaims } from './claims.js';
export { cognitoEndpoints, type CognitoEndpoints } from './endpoints.js';
export { AWSCognitoProvider, type AWSCognitoProviderOptions } from './provider.js';
export { revokeCognitoRefreshToken } from './revoke.js';
export { cognitoTokenVerifier, type CognitoTokenVerifierOptions } from './verifier.js';
