/**
 * Node `http` and Express adapters for the Fetch handlers and guards of `@auth/core`.
 *
 * @module
 */
export { expressBearerAuth, expressRoutes, toFetchRequest, toNodeHandler, writeFetchResponse, type NodeAdapterOptions } from './adapters/node.js';
