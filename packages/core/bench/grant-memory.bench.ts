import { bench, describe } from 'vitest';
import { StoreOAuthProvider, MemoryStore, type OAuthClientInformationFull } from '../src/index.js';

// What one live grant of the StoreOAuthProvider costs in the default MemoryStore (its access
// token, refresh token, family record and, for five minutes, its used-code marker), measured as
// heap growth over 50 000 grants. Needs --expose-gc (vitest.config).

const GRANTS = 50_000;
const gc = (globalThis as { gc?: () => void }).gc;
function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

describe(`memory: ${GRANTS.toLocaleString('en')} grants in the default MemoryStore`, () => {
  bench(
    'heap per grant',
    async () => {
      if (!gc) throw new Error('run with --expose-gc (set in vitest.config.ts)');
      const store = new MemoryStore();
      const provider = new StoreOAuthProvider({ issuerUrl: 'http://127.0.0.1:9999', store });
      const client: OAuthClientInformationFull = {
        client_id: 'bench-client',
        redirect_uris: ['http://127.0.0.1:7777/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
      };
      await provider.registerClient(client);
      const before = heapUsed();
      for (let i = 0; i < GRANTS; i++) {
        const location = await provider.authorize(client, {
          codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          redirectUri: client.redirect_uris[0]!,
          redirectUriProvidedExplicitly: true,
          scopes: ['mcp:tools'],
          resource: 'http://127.0.0.1:9999/mcp',
        });
        const code = await provider.loadAuthorizationCode(client, new URL(location).searchParams.get('code')!);
        await provider.exchangeAuthorizationCode(client, code!);
      }
      const after = heapUsed();
      console.log(`${store.size} entries for ${GRANTS} grants; ${((after - before) / GRANTS).toFixed(0)} bytes of heap per grant`);
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
