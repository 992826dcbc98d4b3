/**
 * `@mcpauth/redis`: a Redis-backed `KeyValueStore` for MCP auth deployments with several instances.
 *
 * @module
 */
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
