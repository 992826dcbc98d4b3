/**
 * AzureOnBehalfOf against the fake Entra: the OBO request, the cache per user and scope set until
 * shortly before expiry, the user's tenant for multi-tenant apps, and Entra's refusals and outages.
 */
import { UpstreamError } from '@mcpauth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureOnBehalfOf, AzureTokenVerifier, type AzureOnBehalfOfOptions } from '../src/index.js';
import { ADELE, CONTOSO, FABRIKAM, startFakeEntra, type FakeEntra } from './fake-entra.js';

const GRAPH = 'https://graph.microsoft.com/User.Read';
let entra: FakeEntra;
let offset = 0;
const now = () => Math.floor(Date.now() / 1000) + offset;

beforeAll(async () => {
  entra = await startFakeEntra();
});
afterAll(() => entra.close());

function obo(options: Partial<AzureOnBehalfOfOptions> = {}) {
  return new AzureOnBehalfOf({
    clientId: entra.app.clientId,
    clientSecret: entra.app.clientSecret,
    tenantId: CONTOSO,
    authority: entra.url,
    http: { timeoutMs: 300 },
    now,
    ...options,
  });
}

async function user(claims: Record<string, unknown> = {}, tenantId = CONTOSO) {
  const verifier = new AzureTokenVerifier({ clientId: entra.app.clientId, tenantId, authority: entra.url, cache: false });
  const token = await verifier.verifyToken(await entra.sign(claims));
  if (!token) throw new Error('the fake token did not verify');
  return token;
}

const oboRequests = () => entra.requests.filter((r) => r.form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer');

describe('AzureOnBehalfOf', () => {
  it('exchanges the user token at the tenant token endpoint with the documented parameters', async () => {
    const adele = await user();
    const token = await obo().getToken(adele, [GRAPH]);
    expect(token).toEqual({ accessToken: entra.oboIssued.at(-1), expiresAt: expect.any(Number), scopes: [GRAPH] });
    expect(token.expiresAt).toBeGreaterThan(now() + 3000);
    const sent = oboRequests().at(-1)!;
    expect(sent.path).toBe(`/${CONTOSO}/oauth2/v2.0/token`);
    expect(Object.fromEntries(sent.form)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: entra.app.clientId,
      client_secret: entra.app.clientSecret,
      assertion: adele.token,
      scope: GRAPH,
      requested_token_use: 'on_behalf_of',
    });
  });

  it('caches per user and scope set until shortly before expiry', async () => {
    const client = obo({ expiryMarginSeconds: 120 });
    const adele = await user();
    const first = await client.getToken(adele, [GRAPH, 'https://graph.microsoft.com/Mail.Read']);
    const calls = oboRequests().length;
    // same user (another of her tokens), same scope set in another order: cached
    expect(await client.getToken(await user(), ['https://graph.microsoft.com/Mail.Read', GRAPH])).toEqual(first);
    expect(oboRequests().length).toBe(calls);
    // another user: not
    await client.getToken(await user({ oid: '22222222-0000-0000-0000-000000000000' }), [GRAPH, 'https://graph.microsoft.com/Mail.Read']);
    expect(oboRequests().length).toBe(calls + 1);
    // concurrent requests share one call
    await Promise.all([client.getToken(adele, [GRAPH]), client.getToken(adele, [GRAPH])]);
    expect(oboRequests().length).toBe(calls + 2);
    // past expiry minus the margin: asked again
    offset += 3599 - 120;
    try {
      expect((await client.getToken(adele, [GRAPH])).accessToken).not.toBe(first.accessToken);
      expect(oboRequests().length).toBe(calls + 3);
    } finally {
      offset = 0;
    }
    // cache: false asks every time
    const uncached = obo({ cache: false });
    await uncached.getToken(adele, [GRAPH]);
    await uncached.getToken(adele, [GRAPH]);
    expect(oboRequests().length).toBe(calls + 5);
  });

  it('a multi-tenant app exchanges at the user tenant', async () => {
    const fabrikamUser = await user({ tid: FABRIKAM, iss: `${entra.url}/${FABRIKAM}/v2.0` }, 'common');
    await obo({ tenantId: 'common' }).getToken(fabrikamUser, [GRAPH]);
    expect(oboRequests().at(-1)!.path).toBe(`/${FABRIKAM}/oauth2/v2.0/token`);
  });

  it('Entra refusals are UpstreamErrors with Entra error, AADSTS code and nothing cached', async () => {
    const client = obo();
    const adele = await user();
    entra.nextTokenError('interaction_required');
    const err = await client.getToken(adele, [GRAPH]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ reason: 'oauth_error', status: 400, error: 'interaction_required' });
    expect((err as UpstreamError).errorDescription).toMatch(/^AADSTS50076:/);
    expect((err as Error).message).not.toContain(adele.token);
    expect((await client.getToken(adele, [GRAPH])).accessToken).toBe(entra.oboIssued.at(-1));
  });

  for (const failure of ['throttled', 'unavailable', 'malformed', 'hang'] as const) {
    it(`a token endpoint that is ${failure} rejects with an UpstreamError`, async () => {
      entra.fail('token', failure);
      try {
        await expect(obo().getToken(await user(), [GRAPH])).rejects.toBeInstanceOf(UpstreamError);
      } finally {
        entra.fail('token', 'ok');
      }
    });
  }

  it('refuses bad options and arguments with TypeError', async () => {
    const base = { clientId: 'c', clientSecret: 's', tenantId: CONTOSO };
    for (const bad of [
      { ...base, clientId: '' },
      { ...base, clientSecret: '' },
      { ...base, tenantId: 'x' },
      { ...base, expiryMarginSeconds: -1 },
    ]) {
      expect(() => new AzureOnBehalfOf(bad)).toThrow(TypeError);
    }
    const adele = await user();
    await expect(obo().getToken(adele, [])).rejects.toThrow(TypeError);
    await expect(obo().getToken({ ...adele, claims: { ...adele.claims, tid: undefined } }, [GRAPH])).rejects.toThrow(TypeError);
    expect(ADELE.tid).toBe(CONTOSO);
  });
});
