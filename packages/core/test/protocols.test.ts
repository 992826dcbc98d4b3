import { describe, expect, it } from 'vitest';
import { hasScopes, parseScopes } from '../src/kit.js';
import { principalComponents, ProviderTokenVerifier, type AccessToken } from '../src/index.js';

const base: AccessToken = { token: 't', clientId: 'client-1', scopes: ['a'], claims: {} };

describe('principalComponents', () => {
  it('returns clientId, issuer from claims.iss, and subject', () => {
    expect(principalComponents({ ...base, subject: 'u1', claims: { iss: 'https://as.example.com' } })).toEqual([
      'client-1',
      'https://as.example.com',
      'u1',
    ]);
  });
  it('uses null for missing components and stringifies a non-string iss', () => {
    expect(principalComponents(base)).toEqual(['client-1', null, null]);
    expect(principalComponents({ ...base, claims: { iss: 42 } })).toEqual(['client-1', '42', null]);
    expect(principalComponents({ ...base, claims: { iss: null } })).toEqual(['client-1', null, null]);
  });
});

describe('scopes', () => {
  it('parses space-separated strings and arrays, ignoring junk', () => {
    expect(parseScopes('read  write')).toEqual(['read', 'write']);
    expect(parseScopes(['read', 3, '', 'x'])).toEqual(['read', 'x']);
    expect(parseScopes(undefined)).toEqual([]);
    expect(parseScopes({ scope: 'a' })).toEqual([]);
  });
  it('checks required scopes', () => {
    expect(hasScopes(['a', 'b'], ['a'])).toBe(true);
    expect(hasScopes(['a'], ['a', 'b'])).toBe(false);
    expect(hasScopes([], [])).toBe(true);
    // long grants (searched through a set) answer the same
    const many = Array.from({ length: 40 }, (_, i) => `s${i}`);
    expect(hasScopes(many, ['s39', 's0'])).toBe(true);
    expect(hasScopes(many, ['s39', 's40'])).toBe(false);
    expect(hasScopes(many.slice(0, 16), ['s15'])).toBe(true);
    expect(hasScopes(many.slice(0, 16), ['s16'])).toBe(false);
  });
});

describe('ProviderTokenVerifier', () => {
  it('delegates to loadAccessToken', async () => {
    const verifier = new ProviderTokenVerifier({ loadAccessToken: async (t) => (t === 'good' ? { ...base, token: t } : null) });
    expect(await verifier.verifyToken('good')).toMatchObject({ token: 'good', clientId: 'client-1' });
    expect(await verifier.verifyToken('bad')).toBeNull();
  });
});
