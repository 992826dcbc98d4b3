/**
 * `@mcpauth/jwt/testing`: helpers for tests and local development, never for production:
 * `RSAKeyPair` makes an RS256 key pair, signs tokens with it and serves its public side as PEM,
 * JWK or JWKS for a `JWTVerifier`.
 *
 * @module
 */
export { RSAKeyPair, type CreateTokenParams } from './testing/rsa-key-pair.js';
