/**
 * `@mcpauth/azure`: Microsoft Entra ID (Azure AD) for MCP servers.
 *
 * @module
 */
export { azureEndpoints, type AzureEndpoints, type AzureTenantKind } from './endpoints.js';
export { AzureTokenVerifier, type AzureClaims, type AzureTokenVerifierOptions } from './token-verifier.js';
export { AzureOnBehalfOf, type AzureOnBehalfOfOptions, type OnBehalfOfToken } from './on-behalf-of.js';
export { AzureProvider, type AzureProviderOptions } from './provider.js';
