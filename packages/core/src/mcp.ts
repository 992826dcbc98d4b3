/**
 * Adapters between `@mcpauth/core` and the MCP TypeScript SDK v2 (`@modelcontextprotocol/server`,
 * an optional peer dependency).
 *
 * @module
 */
export {
  createMcpAuthHandler,
  requireToolScopes,
  toAuthInfo,
  toOAuthTokenVerifier,
  type McpAdapterOptions,
  type McpAuthHandlerOptions,
  type McpFetchHandler,
} from './adapters/mcp.js';
