/**
 * `@mcpauth/introspection`: verify bearer tokens for MCP servers with OAuth 2.0 Token
 * Introspection (RFC 7662).
 *
 * @module
 */
export {
  IntrospectionTokenVerifier,
  type ClientAuthMethod,
  type IntrospectionAudienceOptions,
  type IntrospectionCommonOptions,
  type IntrospectionTokenVerifierOptions,
} from './introspection-verifier.js';
