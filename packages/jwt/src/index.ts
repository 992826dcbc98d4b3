/**
 * `@mcpauth/jwt`: verify JWT access tokens for MCP servers (`JWTVerifier`: JWKS, PEM, JWK or
 * HMAC), plus `StaticTokenVerifier` for development. `RSAKeyPair` for tests is in
 * `@mcpauth/jwt/testing`.
 *
 * @module
 */
export { JWTVerifier } from './verifier/jwt-verifier.js';
export type {
  JWTAudienceCheck,
  JWTClaimsHook,
  JWTClaimsMapping,
  JWTTuningOptions,
  JWTVerifierAudienceOptions,
  JWTVerifierCommonOptions,
  JWTVerifierJwksOptions,
  JWTVerifierOptions,
  JWTVerifierPublicKeyOptions,
  JWTVerifierSecretOptions,
} from './verifier/options.js';
export type { JwsAlgorithm } from './keys/algorithms.js';
export type { PublicKeyInput } from './keys/public-key.js';
export { IdJagVerifier, type IdJagVerifierOptions, type TrustedIdentityProvider } from './id-jag/id-jag-verifier.js';
export { StaticTokenVerifier, type StaticTokenInfo, type StaticTokenVerifierOptions } from './static/static-token-verifier.js';
