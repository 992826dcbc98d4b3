/**
 * Node-only parts of `@mcpauth/core`: the Node `http` and Express adapters for its Fetch handlers
 * and guards, and the {@link FileStore}.
 *
 * @module
 */
export {
  expressBearerAuth,
  expressRoutes,
  toFetchRequest,
  toNodeHandler,
  writeFetchResponse,
  type NodeAdapterOptions,
} from './adapters/node.js';
export { FileStore, type FileStoreOptions } from './storage/file-store.js';
