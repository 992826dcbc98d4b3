/**
 * Adapters between `@auth/core` and the MCP TypeScript SDK v2 (`@modelcontextprotocol/server`,
 * an optional peer dependency).
 *
 * @module
 */
export { toAuthInfo, toOAuthTokenVerifier, type McpAdapterOptions } from './adapters/mcp.js';
