/** JWS algorithms with a public key (RFC 7518 §3): what client assertions and DPoP proofs may use; never `none` or a shared secret. */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];
