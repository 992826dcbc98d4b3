/**
 * The bearer guard with DPoP (RFC 9449 §7): JWT access tokens bound to a key by `cnf.jkt`,
 * presented with proofs built by the MCP SDK client's `DpopSession` (and its `withDpop` fetch
 * middleware, over real HTTP, for the nonce challenge and retry).
 */
import { listen, type Listening } from '@mcpauth/testing';
import { DpopSession, withDpop } from '@modelcontextprotocol/client';
import { jwtVerify, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { boundKeyThumbprint, type AccessToken } from '../../src/protocols/access-token.js';
import type { TokenVerifier } from '../../src/protocols/token-verifier.js';
import { createBearerGuard, type BearerGuardOptions } from '../../src/resource-server/bearer-guard.js';
import { createProtectedResourceMetadata } from '../../src/resource-server/metadata.js';
import { toNodeHandler } from '../../src/node.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const KEY = new TextEncoder().encode('test-signing-key-0123456789abcdef0123');
const NONCE_SECRET = 'dpop-nonce-secret-0123456789abcdef0123456789';

/** An access token for RESOURCE, bound to `jkt` when given. */
function mint(jkt?: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ scope: 'read', client_id: 'c1', ...(jkt ? { cnf: { jkt } } : {}), ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(RESOURCE)
    .setSubject('alice')
    .setExpirationTime('1h')
    .sign(KEY);
}

/** A verifier of those tokens that keeps every claim (as JWT and introspection verifiers do). */
const verifier: TokenVerifier = {
  async verifyToken(token): Promise<AccessToken | null> {
    try {
      const { payload } = await jwtVerify(token, KEY, { audience: RESOURCE });
      return {
        token,
        clientId: String(payload['client_id']),
        scopes: String(payload['scope']).split(' '),
        expiresAt: payload.exp,
        claims: payload,
      };
    } catch {
      return null;
    }
  },
};

function guard(dpop: BearerGuardOptions['dpop'] = {}, extra: Partial<BearerGuardOptions> = {}) {
  return createBearerGuard({ verifier, expectedResource: RESOURCE, resourceMetadataUrl: METADATA, dpop, ...extra } as BearerGuardOptions);
}

async function dpopRequest(
  session: DpopSession,
  token: string,
  options: { htm?: string; htu?: string; method?: string; url?: string; ath?: string } = {},
) {
  const proof = await session.buildProof({
    htm: options.htm ?? 'POST',
    htu: new URL(options.htu ?? RESOURCE),
    accessToken: options.ath ?? token,
  });
  return new Request(options.url ?? RESOURCE, {
    method: options.method ?? 'POST',
    headers: { Authorization: `DPoP ${token}`, DPoP: proof },
  });
}

const challenge = (res: Response) => res.headers.get('www-authenticate') ?? '';

async function expectRefused(result: AccessToken | Response, status = 401): Promise<{ res: Response; body: Record<string, unknown> }> {
  expect(result).toBeInstanceOf(Response);
  const res = result as Response;
  expect(res.status).toBe(status);
  return { res, body: (await res.json()) as Record<string, unknown> };
}

describe('bearer guard with DPoP', () => {
  it('accepts a bound token with the DPoP scheme and a proof from the MCP SDK client; the proof is single use', async () => {
    const session = await DpopSession.create();
    const token = await mint(session.thumbprint);
    const g = guard();
    const request = await dpopRequest(session, token);
    const ok = await g(request.clone());
    expect(ok).not.toBeInstanceOf(Response);
    expect(boundKeyThumbprint(ok as AccessToken)).toBe(session.thumbprint);
    const { res, body } = await expectRefused(await g(request));
    expect(body['error']).toBe('invalid_dpop_proof');
    expect(challenge(res)).toMatch(/^DPoP error="invalid_dpop_proof"/);
    expect(challenge(res)).toContain('algs="ES256 ES384 ES512 RS256');
  });

  it('refuses a bound token presented as Bearer, with or without DPoP support', async () => {
    const session = await DpopSession.create();
    const token = await mint(session.thumbprint);
    const bearer = () => new Request(RESOURCE, { headers: { Authorization: `Bearer ${token}` } });
    const { res } = await expectRefused(await guard()(bearer()));
    expect(challenge(res)).toMatch(/^DPoP error="invalid_token", error_description="This access token is bound to a DPoP key/);
    const plain = createBearerGuard({ verifier, expectedResource: RESOURCE });
    const refusal = await expectRefused(await plain(bearer()));
    expect(refusal.body['error']).toBe('invalid_token');
    expect(challenge(refusal.res)).toMatch(/^Bearer error="invalid_token"/);
  });

  it('refuses a proof by another key, for another URL or method, without ath, or missing', async () => {
    const session = await DpopSession.create();
    const thief = await DpopSession.create();
    const token = await mint(session.thumbprint);
    const g = guard();
    const wrongKey = await expectRefused(await g(await dpopRequest(thief, token)));
    expect(wrongKey.body).toMatchObject({ error: 'invalid_token', error_description: expect.stringMatching(/another key/) });
    expect((await expectRefused(await g(await dpopRequest(session, token, { htu: 'https://mcp.example.com/other' })))).body['error']).toBe(
      'invalid_dpop_proof',
    );
    expect((await expectRefused(await g(await dpopRequest(session, token, { htm: 'GET' })))).body['error']).toBe('invalid_dpop_proof');
    expect((await expectRefused(await g(await dpopRequest(session, token, { ath: 'another-token' })))).body['error']).toBe(
      'invalid_dpop_proof',
    );
    const noAth = await session.buildProof({ htm: 'POST', htu: new URL(RESOURCE) });
    const missingAth = new Request(RESOURCE, { method: 'POST', headers: { Authorization: `DPoP ${token}`, DPoP: noAth } });
    expect((await expectRefused(await g(missingAth))).body['error_description']).toMatch(/ath/);
    const noProof = new Request(RESOURCE, { method: 'POST', headers: { Authorization: `DPoP ${token}` } });
    expect((await expectRefused(await g(noProof))).body['error']).toBe('invalid_dpop_proof');
  });

  it('refuses an unbound token with the DPoP scheme; accepts it as Bearer unless DPoP is required', async () => {
    const session = await DpopSession.create();
    const token = await mint();
    expect((await expectRefused(await guard()(await dpopRequest(session, token)))).body['error_description']).toMatch(/not bound/);
    const bearer = () => new Request(RESOURCE, { headers: { Authorization: `Bearer ${token}` } });
    expect(await guard()(bearer())).not.toBeInstanceOf(Response);
    const { res, body } = await expectRefused(await guard({ required: true })(bearer()));
    expect(body['error']).toBe('invalid_token');
    expect(challenge(res)).toMatch(/^DPoP /);
    expect(challenge(res)).not.toContain('Bearer');
  });

  it('challenges a request without credentials with Bearer and DPoP (algs), or DPoP alone when required', async () => {
    const { res } = await expectRefused(await guard({ algorithms: ['ES256', 'EdDSA'] })(new Request(RESOURCE)));
    expect(challenge(res)).toBe(`Bearer resource_metadata="${METADATA}", DPoP resource_metadata="${METADATA}", algs="ES256 EdDSA"`);
    const required = await expectRefused(await guard({ required: true, algorithms: ['ES256'] })(new Request(RESOURCE)));
    expect(challenge(required.res)).toBe(`DPoP resource_metadata="${METADATA}", algs="ES256"`);
    // without dpop the challenge is as before
    const plain = await expectRefused(
      await createBearerGuard({ verifier, expectedResource: RESOURCE, resourceMetadataUrl: METADATA })(new Request(RESOURCE)),
    );
    expect(challenge(plain.res)).toBe(`Bearer resource_metadata="${METADATA}"`);
  });

  it('the DPoP scheme without dpop support, or malformed, is invalid_request', async () => {
    const session = await DpopSession.create();
    const token = await mint(session.thumbprint);
    const plain = createBearerGuard({ verifier, expectedResource: RESOURCE });
    expect((await expectRefused(await plain(await dpopRequest(session, token)), 400)).body['error']).toBe('invalid_request');
    const malformed = new Request(RESOURCE, { headers: { Authorization: 'DPoP a b' } });
    expect((await expectRefused(await guard()(malformed), 400)).body['error']).toBe('invalid_request');
  });

  it('behind a proxy: a proof for the public resource URL passes a request that arrives on an internal URL', async () => {
    const session = await DpopSession.create();
    const token = await mint(session.thumbprint);
    const g = guard();
    expect(await g(await dpopRequest(session, token, { url: 'http://127.0.0.1:3000/mcp' }))).not.toBeInstanceOf(Response);
    // but not one for the internal URL's other paths
    expect(await g(await dpopRequest(session, token, { url: 'http://127.0.0.1:3000/other', htu: RESOURCE }))).toBeInstanceOf(Response);
  });

  it('a token bound through an introspection-style AccessToken.cnf counts as bound', async () => {
    const session = await DpopSession.create();
    const token = await mint();
    const cnfVerifier: TokenVerifier = {
      async verifyToken(raw) {
        const verified = await verifier.verifyToken(raw);
        return verified && { ...verified, cnf: { jkt: session.thumbprint } };
      },
    };
    const g = createBearerGuard({ verifier: cnfVerifier, expectedResource: RESOURCE, dpop: {} });
    expect(await g(await dpopRequest(session, token))).not.toBeInstanceOf(Response);
    expect(await g(new Request(RESOURCE, { headers: { Authorization: `Bearer ${token}` } }))).toBeInstanceOf(Response);
  });

  it('the RFC 9728 metadata says which algorithms and whether DPoP is required', () => {
    const { document } = createProtectedResourceMetadata({
      resource: RESOURCE,
      authorizationServers: ['https://as.example.com'],
      dpopSigningAlgValuesSupported: ['ES256'],
      dpopBoundAccessTokensRequired: true,
    });
    expect(document).toMatchObject({ dpop_signing_alg_values_supported: ['ES256'], dpop_bound_access_tokens_required: true });
    const plain = createProtectedResourceMetadata({ resource: RESOURCE, authorizationServers: ['https://as.example.com'] }).document;
    expect(plain).not.toHaveProperty('dpop_bound_access_tokens_required');
    expect(plain).not.toHaveProperty('dpop_signing_alg_values_supported');
  });
});

describe('bearer guard with DPoP nonces, over HTTP with the SDK withDpop middleware', () => {
  let server: Listening | undefined;
  afterEach(() => server?.close());

  it('use_dpop_nonce with a DPoP-Nonce header, then the retry with the nonce succeeds', async () => {
    const session = await DpopSession.create();
    const token = await mint(session.thumbprint);
    const statuses: number[] = [];
    let resource = '';
    const g = createBearerGuard({ verifier, dangerouslyAcceptAnyAudience: true, dpop: { nonce: { secret: NONCE_SECRET } } });
    server = await listen(
      toNodeHandler(async (request) => {
        const result = await g(request);
        const res = result instanceof Response ? result : new Response(JSON.stringify({ sub: result.claims['sub'] }), { status: 200 });
        statuses.push(res.status);
        return res;
      }),
    );
    resource = `${server.url}/mcp`;
    const dpopFetch = withDpop(session, async () => token)(fetch);
    const res = await dpopFetch(resource, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'alice' });
    expect(statuses).toEqual([401, 200]);
    expect(session.nonceFor(resource)).toBeTruthy();
    // the remembered nonce works at once for the next request
    expect((await dpopFetch(resource, { method: 'POST' })).status).toBe(200);
    expect(statuses).toEqual([401, 200, 200]);
  });

  it('the nonce challenge is a 401 DPoP use_dpop_nonce with the nonce in DPoP-Nonce', async () => {
    const session = await DpopSession.create();
    const token = await mint(session.thumbprint);
    const g = guard({ nonce: { secret: NONCE_SECRET } });
    const { res, body } = await expectRefused(await g(await dpopRequest(session, token)));
    expect(body['error']).toBe('use_dpop_nonce');
    expect(challenge(res)).toMatch(/^DPoP error="use_dpop_nonce"/);
    expect(res.headers.get('dpop-nonce')).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]+$/);
  });
});
