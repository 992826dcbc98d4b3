/**
 * DPoP at a resource server whose tokens come from another authorization server
 * (`RemoteAuthProvider`'s `dpop` option, RFC 9449 §7): a token bound to a key (`cnf.jkt`, from the
 * verifier) is accepted with `Authorization: DPoP` and a proof of that key, refused as Bearer and
 * with another key's proof; the RFC 9728 metadata advertises DPoP; `required` refuses Bearer.
 */
import { DpopSession } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import type { AccessToken } from '../../src/protocols/access-token.js';
import { MultiAuth } from '../../src/multi/multi-auth.js';
import { RemoteAuthProvider } from '../../src/remote/remote-auth-provider.js';

const RESOURCE = 'https://mcp.example.com/mcp';

function provider(jkt: string, dpop: { required?: boolean } | undefined) {
  const tokens: Record<string, AccessToken> = {
    bound: { token: 'bound', clientId: 'c', scopes: ['mcp'], resource: RESOURCE, expiresAt: 4_000_000_000, claims: {}, cnf: { jkt } },
    plain: { token: 'plain', clientId: 'c', scopes: ['mcp'], resource: RESOURCE, expiresAt: 4_000_000_000, claims: {} },
  };
  return new RemoteAuthProvider({
    resourceUrl: RESOURCE,
    authorizationServers: ['https://as.example.com'],
    verifier: { verifyToken: async (t) => tokens[t] ?? null },
    dpop,
  });
}

const call = async (auth: Pick<RemoteAuthProvider, 'guard'>, authorization: string, proof?: string) =>
  auth.guard(new Request(RESOURCE, { method: 'POST', headers: { authorization, ...(proof ? { dpop: proof } : {}) } }));

describe('RemoteAuthProvider with dpop', () => {
  it('accepts a bound token with a proof of its key; refuses it as Bearer and with another key; advertises DPoP', async () => {
    const session = await DpopSession.create();
    const auth = provider(session.thumbprint, {});
    const proof = await session.buildProof({ htm: 'POST', htu: new URL(RESOURCE), accessToken: 'bound' });
    const accepted = await call(auth, 'DPoP bound', proof);
    expect(accepted).not.toBeInstanceOf(Response);
    expect((accepted as AccessToken).clientId).toBe('c');

    const asBearer = await call(auth, 'Bearer bound');
    expect(asBearer).toBeInstanceOf(Response);
    expect((asBearer as Response).status).toBe(401);
    const thief = await DpopSession.create();
    const otherKey = await call(auth, 'DPoP bound', await thief.buildProof({ htm: 'POST', htu: new URL(RESOURCE), accessToken: 'bound' }));
    expect((otherKey as Response).status).toBe(401);
    // an unbound token still works as Bearer unless DPoP is required
    expect(await call(auth, 'Bearer plain')).not.toBeInstanceOf(Response);

    expect(auth.metadata['dpop_signing_alg_values_supported']).toContain('ES256');
    expect(auth.metadata['dpop_bound_access_tokens_required']).toBeUndefined();
  });

  it('required: Bearer refused with a DPoP challenge, and the metadata says so', async () => {
    const session = await DpopSession.create();
    const auth = provider(session.thumbprint, { required: true });
    const refused = (await call(auth, 'Bearer plain')) as Response;
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP /);
    expect(auth.metadata['dpop_bound_access_tokens_required']).toBe(true);
  });

  it('without dpop, the metadata names no DPoP and a bound token sent as Bearer is refused', async () => {
    const session = await DpopSession.create();
    const auth = provider(session.thumbprint, undefined);
    expect(auth.metadata['dpop_signing_alg_values_supported']).toBeUndefined();
    expect(((await call(auth, 'Bearer bound')) as Response).status).toBe(401);
  });

  it('MultiAuth over it accepts the bound tokens of the primary only with the same dpop option', async () => {
    const session = await DpopSession.create();
    const primary = provider(session.thumbprint, {});
    const service = { verifyToken: async () => null };
    const proof = () => session.buildProof({ htm: 'POST', htu: new URL(RESOURCE), accessToken: 'bound' });
    const withDpop = new MultiAuth({ primary, verifiers: [service], dpop: {} });
    expect(await call(withDpop, 'DPoP bound', await proof())).not.toBeInstanceOf(Response);
    const without = new MultiAuth({ primary, verifiers: [service] });
    // without it the DPoP scheme is not one this guard accepts: a malformed request (400)
    expect(((await call(without, 'DPoP bound', await proof())) as Response).status).toBe(400);
  });
});
