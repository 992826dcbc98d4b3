/**
 * `@mcpauth/scalekit`: Scalekit MCP Auth for MCP servers.
 *
 * @module
 */
export { scalekitEndpoints, type ScalekitEndpoints } from './endpoints.js';
export { ScalekitProvider, type ScalekitClaims, type ScalekitProviderOptions } from './provider.js';
