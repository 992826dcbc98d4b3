/**
 * AzureTokenVerifier against the fake Entra: v2.0 tokens only, the tenant and issuer checks of
 * single- and multi-tenant configurations, app roles as scopes, and the refusals' reasons.
 */
import { generateKeyPair } from 'jose';
import type { AnyAuthError } from '@mcpauth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureTokenVerifier, azureEndpoints, type AzureTokenVerifierOptions } from '../src/index.js';
import { CONTOSO, FABRIKAM, MSA, startFakeEntra, type FakeEntra } from './fake-entra.js';

let entra: FakeEntra;
beforeAll(async () => {
  entra = await startFakeEntra();
});
afterAll(() => entra.close());

function verifier(options: Partial<AzureTokenVerifierOptions> & { errors?: AnyAuthError[] } = {}) {
  const { errors, ...rest } = options;
  return new AzureTokenVerifier({
    clientId: entra.app.clientId,
    tenantId: CONTOSO,
    authority: entra.url,
    timeoutMs: 500,
    jwksCooldown: 0,
    cache: false,
    onInvalidToken: (e) => void errors?.push(e),
    ...rest,
  });
}

const iss = (tid: string) => `${entra.url}/${tid}/v2.0`;

describe('AzureTokenVerifier: single tenant', () => {
  it('accepts a v2.0 token of its tenant and maps scp, subject, client and claims', async () => {
    const token = await verifier().verifyToken(await entra.sign());
    expect(token).toMatchObject({
      clientId: entra.app.clientId,
      scopes: ['notes.read'],
      resource: entra.app.clientId,
      claims: { tid: CONTOSO, oid: '00000000-0000-0000-66f3-3332eca7ea81', name: 'Adele Vance', roles: ['Notes.Admin'] },
    });
    expect(token?.subject).toMatch(/^pairwise-/);
  });

  it('accepts the identifier URI as audience, and refuses another audience', async () => {
    expect(await verifier().verifyToken(await entra.sign({ aud: entra.app.identifierUri }))).not.toBeNull();
    const errors: AnyAuthError[] = [];
    expect(await verifier({ errors }).verifyToken(await entra.sign({ aud: '00000003-0000-0000-c000-000000000000' }))).toBeNull();
    expect(errors[0]).toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'audience' });
  });

  it('refuses a v1.0 token with a message naming requestedAccessTokenVersion', async () => {
    const errors: AnyAuthError[] = [];
    const v1 = await entra.sign({ ver: '1.0', iss: `https://sts.windows.net/${CONTOSO}/`, aud: entra.app.identifierUri });
    expect(await verifier({ errors }).verifyToken(v1)).toBeNull();
    expect(errors[0]).toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'claim' });
    expect(errors[0]!.message).toContain('"requestedAccessTokenVersion": 2');
    // no `ver` at all is refused too
    expect(await verifier().verifyToken(await entra.sign({ ver: undefined }))).toBeNull();
  });

  it('refuses a token of another tenant, even with a consistent issuer', async () => {
    const errors: AnyAuthError[] = [];
    expect(await verifier({ errors }).verifyToken(await entra.sign({ tid: FABRIKAM, iss: iss(FABRIKAM) }))).toBeNull();
    expect(errors[0]).toMatchObject({ reason: 'issuer' });
    expect(errors[0]!.message).toContain(FABRIKAM);
  });

  it('refuses an issuer that is not its tenant v2.0 issuer (v1 issuer, other host, other tenant)', async () => {
    for (const bad of [`https://sts.windows.net/${CONTOSO}/`, `https://login.microsoftonline.com/${CONTOSO}/v2.0`, iss(FABRIKAM)]) {
      const errors: AnyAuthError[] = [];
      expect(await verifier({ errors }).verifyToken(await entra.sign({ iss: bad }))).toBeNull();
      expect(errors[0]).toMatchObject({ reason: 'issuer' });
    }
  });

  it('refuses a token signed by a key not in the tenant keys, without reading its claims', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const errors: AnyAuthError[] = [];
    const forged = await entra.sign({ ver: '1.0' }, { key: privateKey });
    expect(await verifier({ errors }).verifyToken(forged)).toBeNull();
    expect(errors[0]).toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'signature' }); // not the v1.0 claim message: claims are read after the signature only
  });

  it('a domain tenant resolves its GUID from the OpenID configuration once', async () => {
    const v = verifier({ tenantId: 'contoso.onmicrosoft.com' });
    expect(await v.verifyToken(await entra.sign())).not.toBeNull();
    const configs = () => entra.requests.filter((r) => r.path === '/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration').length;
    const seen = configs();
    expect(await v.verifyToken(await entra.sign())).not.toBeNull();
    expect(configs()).toBe(seen);
    expect(await v.verifyToken(await entra.sign({ tid: FABRIKAM, iss: iss(FABRIKAM) }))).toBeNull();
  });

  it('a domain tenant whose configuration cannot be read is an outage (UpstreamError), retried next time', async () => {
    const v = verifier({ tenantId: 'contoso.onmicrosoft.com' });
    entra.fail('config', 'unavailable');
    try {
      await expect(v.verifyToken(await entra.sign())).rejects.toMatchObject({ code: 'ERR_UPSTREAM' });
      entra.fail('config', 'malformed');
      await expect(v.verifyToken(await entra.sign())).rejects.toMatchObject({ code: 'ERR_UPSTREAM' });
    } finally {
      entra.fail('config', 'ok');
    }
    expect(await v.verifyToken(await entra.sign())).not.toBeNull();
  });

  it('maps app roles to scopes (appRoleScopes)', async () => {
    const token = await verifier({ appRoleScopes: { 'Notes.Admin': ['notes:admin'], 'Notes.Other': ['x'] } }).verifyToken(
      await entra.sign(),
    );
    expect(token?.scopes).toEqual(['notes.read', 'notes:admin']);
    const plain = await verifier({ appRoleScopes: { 'Notes.Admin': ['notes:admin'] } }).verifyToken(await entra.sign({ roles: undefined }));
    expect(plain?.scopes).toEqual(['notes.read']);
  });
});

describe('AzureTokenVerifier: multi-tenant (common, organizations, consumers)', () => {
  it('common: accepts any tenant whose token names its own issuer', async () => {
    const v = verifier({ tenantId: 'common' });
    expect(await v.verifyToken(await entra.sign())).not.toBeNull();
    expect(await v.verifyToken(await entra.sign({ tid: FABRIKAM, iss: iss(FABRIKAM) }))).not.toBeNull();
    expect(await v.verifyToken(await entra.sign({ tid: MSA, iss: iss(MSA) }))).not.toBeNull();
  });

  it('common: refuses a token whose iss is another tenant than its tid (no dropped issuer check)', async () => {
    const errors: AnyAuthError[] = [];
    const v = verifier({ tenantId: 'common', errors });
    expect(await v.verifyToken(await entra.sign({ tid: FABRIKAM, iss: iss(CONTOSO) }))).toBeNull();
    expect(await v.verifyToken(await entra.sign({ tid: CONTOSO, iss: `${entra.url}/{tenantid}/v2.0` }))).toBeNull();
    expect(errors.map((e) => e.code === 'ERR_TOKEN_INVALID' && e.reason)).toEqual(['issuer', 'issuer']);
    expect(await v.verifyToken(await entra.sign({ tid: 'not-a-guid' }))).toBeNull();
    expect(await v.verifyToken(await entra.sign({ tid: undefined }))).toBeNull();
  });

  it('allowedTenants: only the listed tenants', async () => {
    const v = verifier({ tenantId: 'organizations', allowedTenants: [FABRIKAM.toUpperCase()] });
    expect(await v.verifyToken(await entra.sign({ tid: FABRIKAM, iss: iss(FABRIKAM) }))).not.toBeNull();
    expect(await v.verifyToken(await entra.sign())).toBeNull();
  });

  it('organizations refuses personal accounts; consumers accepts only them', async () => {
    expect(await verifier({ tenantId: 'organizations' }).verifyToken(await entra.sign({ tid: MSA, iss: iss(MSA) }))).toBeNull();
    expect(await verifier({ tenantId: 'organizations' }).verifyToken(await entra.sign())).not.toBeNull();
    expect(await verifier({ tenantId: 'consumers' }).verifyToken(await entra.sign({ tid: MSA, iss: iss(MSA) }))).not.toBeNull();
    expect(await verifier({ tenantId: 'consumers' }).verifyToken(await entra.sign())).toBeNull();
  });

  it('fetches keys from {authority}/{tenant}/discovery/v2.0/keys', async () => {
    const before = entra.requests.filter((r) => r.path === '/organizations/discovery/v2.0/keys').length;
    await verifier({ tenantId: 'organizations' }).verifyToken(await entra.sign());
    expect(entra.requests.filter((r) => r.path === '/organizations/discovery/v2.0/keys').length).toBe(before + 1);
  });
});

describe('AzureTokenVerifier and azureEndpoints: options', () => {
  it('builds the endpoints of sovereign clouds and every tenant form', () => {
    const us = azureEndpoints({ tenantId: CONTOSO.toUpperCase(), authority: 'login.microsoftonline.us' });
    expect(us.authorizationEndpoint).toBe(`https://login.microsoftonline.us/${CONTOSO}/oauth2/v2.0/authorize`);
    expect(us.tokenEndpoint).toBe(`https://login.microsoftonline.us/${CONTOSO}/oauth2/v2.0/token`);
    expect(us.jwksUri).toBe(`https://login.microsoftonline.us/${CONTOSO}/discovery/v2.0/keys`);
    expect(us.issuerOf(CONTOSO)).toBe(`https://login.microsoftonline.us/${CONTOSO}/v2.0`);
    expect(azureEndpoints({ tenantId: 'Common' }).kind).toBe('common');
    expect(azureEndpoints({ tenantId: 'contoso.onmicrosoft.com' }).kind).toBe('domain');
    expect(azureEndpoints({ tenantId: 'consumers', authority: 'https://login.microsoftonline.com' }).authorizationEndpoint).toBe(
      'https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize',
    );
  });

  it('refuses bad options with TypeError', () => {
    const base = { clientId: 'c', tenantId: CONTOSO };
    for (const bad of [
      { ...base, clientId: '' },
      { ...base, tenantId: '' },
      { ...base, tenantId: 'contoso' },
      { ...base, tenantId: '../common' },
      { ...base, authority: 'http://login.example.com' },
      { ...base, authority: 'https://login.microsoftonline.com/tenant' },
      { ...base, allowedTenants: [FABRIKAM] }, // a single tenant accepts only itself
      { ...base, tenantId: 'common', allowedTenants: [] },
      { ...base, tenantId: 'common', allowedTenants: ['fabrikam.com'] },
      { ...base, identifierUri: 'not a uri' },
      { ...base, appRoleScopes: { Admin: 'admin' } },
    ]) {
      expect(() => new AzureTokenVerifier(bad as AzureTokenVerifierOptions), JSON.stringify(bad)).toThrow(TypeError);
    }
  });
});
