/**
 * DPoP with the jwt-bearer grant (SEP-990 ID-JAG, RFC 7523 §2.1) at this package's own
 * authorization server (`StoreOAuthProvider` with `identityAssertions`, RFC 9449 §5): a token
 * request with a proof gets a DPoP-bound access token (`token_type: DPoP`, `cnf.jkt` the proof
 * key's thumbprint) that the MCP endpoint refuses as Bearer or with another key's proof and
 * accepts with a proof of the key; a bad proof is refused with `invalid_dpop_proof` before the
 * single-use assertion is spent.
 */
import { DpopSession } from '@modelcontextprotocol/client';
import { SignJWT, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { IdentityAssertionClaims, IdentityAssertionVerifier } from '../../src/index.js';
import { JWT_BEARER_GRANT_TYPE } from '../../src/protocols/provider.js';
import { SCOPE, startStack, type Stack } from '../authorization-server/fixtures.js';

const IDP = 'https://idp.example.com';

/** Verifies ID-JAGs signed by one enterprise IdP key for this authorization server (`audience()`: its issuer). */
function idJagVerifier(key: CryptoKey, audience: () => string): IdentityAssertionVerifier {
  return {
    async verify(assertion) {
      try {
        const { payload } = await jwtVerify(assertion, key, { issuer: IDP, audience: audience(), typ: 'oauth-id-jag+jwt' });
        return payload as unknown as IdentityAssertionClaims;
      } catch {
        return null;
      }
    },
  };
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  // the audience is the issuer, known once the stack listens
  stack = await startStack({ dpop: {}, identityAssertions: { verifier: idJagVerifier(publicKey, () => stack!.url) } });
  const s = stack;
  const registered = await fetch(`${s.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'agent', grant_types: [JWT_BEARER_GRANT_TYPE], token_endpoint_auth_method: 'client_secret_post' }),
  });
  expect(registered.status).toBe(201);
  const agent = (await registered.json()) as { client_id: string; client_secret: string };
  const idJag = () =>
    new SignJWT({ client_id: agent.client_id, resource: s.mcpUrl, scope: SCOPE })
      .setProtectedHeader({ alg: 'ES256', typ: 'oauth-id-jag+jwt' })
      .setIssuer(IDP)
      .setAudience(s.url)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(crypto.randomUUID())
      .sign(privateKey);
  const tokenRequest = (assertion: string, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({
        grant_type: JWT_BEARER_GRANT_TYPE,
        assertion,
        client_id: agent.client_id,
        client_secret: agent.client_secret,
        resource: s.mcpUrl,
      }),
    });
  return { s, idJag, tokenRequest };
}

/** A `tools/list` at the MCP endpoint with these headers. */
const callMcp = (s: Stack, headers: Record<string, string>) =>
  fetch(s.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

describe('DPoP with the jwt-bearer grant (StoreOAuthProvider, identityAssertions)', () => {
  it('a token request with a proof gets a DPoP-bound token: refused as Bearer and with another key, accepted with a proof', async () => {
    const { s, idJag, tokenRequest } = await setup();
    const session = await DpopSession.create();
    const res = await tokenRequest(await idJag(), { dpop: await session.buildProof({ htm: 'POST', htu: `${s.url}/token` }) });
    expect(res.status).toBe(200);
    const token = (await res.json()) as { access_token: string; token_type: string; scope?: string; refresh_token?: string };
    expect(token.token_type).toBe('DPoP');
    expect(token.scope).toBe(SCOPE);
    expect(token.refresh_token).toBeUndefined();
    const stored = await s.provider.loadAccessToken(token.access_token);
    expect(stored).toMatchObject({ subject: 'alice', cnf: { jkt: session.thumbprint } });

    // presented as a bearer token: refused
    const asBearer = await callMcp(s, { authorization: `Bearer ${token.access_token}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP |, DPoP /);
    // with a proof of another key: refused
    const other = await DpopSession.create();
    const otherKey = await callMcp(s, {
      authorization: `DPoP ${token.access_token}`,
      dpop: await other.buildProof({ htm: 'POST', htu: s.mcpUrl, accessToken: token.access_token }),
    });
    expect(otherKey.status).toBe(401);
    // with a proof of the bound key: accepted
    const ok = await callMcp(s, {
      authorization: `DPoP ${token.access_token}`,
      dpop: await session.buildProof({ htm: 'POST', htu: s.mcpUrl, accessToken: token.access_token }),
    });
    expect(ok.status).toBe(200);

    // without a proof the same grant gives a bearer token (DPoP is optional here)
    const plain = await tokenRequest(await idJag());
    expect(plain.status).toBe(200);
    const bearer = (await plain.json()) as { access_token: string; token_type: string };
    expect(bearer.token_type).toBe('Bearer');
    expect((await s.provider.loadAccessToken(bearer.access_token))?.cnf).toBeUndefined();
  });

  it('a bad proof is refused with invalid_dpop_proof, and the assertion is not spent', async () => {
    const { s, idJag, tokenRequest } = await setup();
    const session = await DpopSession.create();
    const assertion = await idJag();
    for (const dpop of [
      'not-a-proof',
      await session.buildProof({ htm: 'POST', htu: `${s.url}/authorize` }), // another URL
      await session.buildProof({ htm: 'GET', htu: `${s.url}/token` }), // another method
    ]) {
      const res = await tokenRequest(assertion, { dpop });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_dpop_proof');
    }
    // a replayed proof
    const proof = await session.buildProof({ htm: 'POST', htu: `${s.url}/token` });
    expect((await tokenRequest(await idJag(), { dpop: proof })).status).toBe(200);
    const replayed = await tokenRequest(assertion, { dpop: proof });
    expect(replayed.status).toBe(400);
    expect(((await replayed.json()) as { error: string }).error).toBe('invalid_dpop_proof');
    // the refused requests did not consume the single-use assertion: with a good proof it works once
    const good = await tokenRequest(assertion, { dpop: await session.buildProof({ htm: 'POST', htu: `${s.url}/token` }) });
    expect(good.status).toBe(200);
    expect(((await good.json()) as { token_type: string }).token_type).toBe('DPoP');
    const again = await tokenRequest(assertion, { dpop: await session.buildProof({ htm: 'POST', htu: `${s.url}/token` }) });
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
  });
});
