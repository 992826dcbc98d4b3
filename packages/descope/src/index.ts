/**
 * `@mcpauth/descope`: Descope for MCP servers.
 *
 * @module
 */
export type { DescopeClaims, DescopeTenantClaims } from './claims.js';
export { descopeEndpoints, type DescopeEndpoints, type DescopeLocation } from './endpoints.js';
export { DescopeProvider, type DescopeProviderOptions } from './provider.js';
