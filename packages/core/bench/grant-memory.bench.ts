import { bench, describe } from 'vitest';
import { StoreOAuthProvider, MemoryStore, type OAuthClientInformationFull, type OAuthToken } from '../src/index.js';

// What one live grant of the StoreOAuthProvider costs in the default MemoryStore (its access
// token, refresh token, family record and, for five minutes, its used-code marker), measured as
// heap growth over 100 000 grants, all of which must then still be usable (every access token
// loads, every refresh token is still stored). Needs --expose-gc (vitest.config).

const GRANTS = 100_000;
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
      const tokens: OAuthToken[] = [];
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
        tokens.push(await provider.exchangeAuthorizationCode(client, code!));
      }
      let usable = 0;
      for (const token of tokens) {
        if (
          (await provider.loadAccessToken(token.access_token)) !== null &&
          (await provider.loadRefreshToken(client, token.refresh_token!)) !== null
        )
          usable++;
      }
      if (usable !== GRANTS) throw new Error(`only ${usable} of ${GRANTS} grants are still usable`);
      tokens.length = 0; // the bench's own copies are not the store's cost
      const after = heapUsed();
      console.log(
        `${store.size} entries for ${GRANTS} grants, all ${usable} usable (access token loads, refresh token stored); ${((after - before) / GRANTS).toFixed(0)} bytes of heap per grant`,
      );
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
