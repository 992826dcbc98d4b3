/**
 * DPoP replay across instances (RFC 9449 §11.1): two resource servers, each with its own guard and
 * its own `RedisStore` on one redis-server, refuse a proof the other already accepted.
 */
import { createBearerGuard, type AccessToken, type TokenVerifier } from '@mcpauth/core';
import { startRedis, type RedisHarness } from '@mcpauth/testing';
import { DpopSession } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';

const RESOURCE = 'https://mcp.example.com/mcp';

describe('DPoP proofs on Redis', () => {
  let redis: RedisHarness;
  const stores: RedisStore[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.close();
  });

  it('a proof accepted by one instance is refused by the other', async () => {
    const session = await DpopSession.create();
    // the token is bound to the session's key, as an introspection response would say
    const verifier: TokenVerifier = {
      verifyToken: async (token): Promise<AccessToken | null> =>
        token === 'bound-token'
          ? { token, clientId: 'c', scopes: [], resource: RESOURCE, claims: {}, cnf: { jkt: session.thumbprint } }
          : null,
    };
    const instance = () => {
      const store = new RedisStore({ url: redis.url });
      stores.push(store);
      return createBearerGuard({ verifier, expectedResource: RESOURCE, dpop: { store } });
    };
    const [a, b] = [instance(), instance()];
    const proof = await session.buildProof({ htm: 'POST', htu: RESOURCE, accessToken: 'bound-token' });
    const request = () => new Request(RESOURCE, { method: 'POST', headers: { Authorization: 'DPoP bound-token', DPoP: proof } });
    expect(await a(request())).not.toBeInstanceOf(Response);
    const replayed = await b(request());
    expect(replayed).toBeInstanceOf(Response);
    expect((replayed as Response).status).toBe(401);
    expect(await (replayed as Response).json()).toMatchObject({ error: 'invalid_dpop_proof' });
    // a fresh proof still works on either
    const fresh = await session.buildProof({ htm: 'POST', htu: RESOURCE, accessToken: 'bound-token' });
    expect(
      await b(new Request(RESOURCE, { method: 'POST', headers: { Authorization: 'DPoP bound-token', DPoP: fresh } })),
    ).not.toBeInstanceOf(Response);
  });
});
