import { startJwksServer } from '../test/helpers.js';
import { RSAKeyPair } from '../src/testing.js';

export const ISS = 'https://auth.example.test';
export const AUD = 'https://mcp.example.com/mcp';

/** A key pair, a JWKS endpoint on loopback serving it, and `count` distinct valid tokens. */
export async function fixture(count: number) {
  const keys = await RSAKeyPair.generate({ kid: 'bench-key' });
  const jwks = await startJwksServer([keys.publicJwk]);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push(
      await keys.createToken({ issuer: ISS, audience: AUD, scopes: ['read', 'write'], additionalClaims: { client_id: `client-${i}` } }),
    );
  }
  return { keys, jwks, tokens };
}

export function mustAccept(result: unknown): void {
  if (result === null || result === undefined) throw new Error('a valid token was refused');
}
