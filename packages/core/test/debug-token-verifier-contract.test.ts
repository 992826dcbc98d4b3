import { verifierContract, type VerifierFixture } from '@mcpauth/testing';
import { describe, it } from 'vitest';
import { DebugTokenVerifier } from '../src/index.js';

// The verifier policy of TokenVerifier, checked by the shared contract suite.

const accepted = new Set(Array.from({ length: 8 }, (_, i) => `debug-contract-token-${i}`));
let next = 0;
const fixture: VerifierFixture = {
  create: (policy) =>
    new DebugTokenVerifier({ validate: (token) => accepted.has(token), resourceUrl: 'http://127.0.0.1:3000/mcp', ...policy }),
  validToken: async () => `debug-contract-token-${next++ % 8}`,
  invalidTokens: async () => ({ 'refused by validate': 'debug-contract-refused-x8c1e2f' }),
  outages: 'no upstream',
  cache: 'no cache',
};

describe('verifier contract: DebugTokenVerifier', () => {
  for (const c of verifierContract) it(c.name, () => c.run(fixture));
});
