import { OAuthError } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { toAuthInfo, toOAuthTokenVerifier } from '../src/mcp.js';

describe('MCP SDK v2 adapter', () => {
  it('maps an AccessToken to AuthInfo with expiresAt always set and resource as a URL', () => {
    const info = toAuthInfo({
      token: 't',
      clientId: 'c',
      scopes: ['a'],
      resource: 'https://api.example.com/mcp',
      subject: 'u',
      claims: { iss: 'x' },
    });
    expect(info.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(info.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 301);
    expect(info.resource).toEqual(new URL('https://api.example.com/mcp'));
    expect(info.extra).toEqual({ subject: 'u', claims: { iss: 'x' } });
    const fromAud = toAuthInfo({ token: 't', clientId: 'c', scopes: [], expiresAt: 5, claims: { aud: 'https://a.example/mcp' } });
    expect(fromAud.expiresAt).toBe(5);
    expect(fromAud.resource?.href).toBe('https://a.example/mcp');
    expect(toAuthInfo({ token: 't', clientId: 'c', scopes: [], claims: { aud: 'not a url' } }).resource).toBeUndefined();
  });

  it('throws the SDK OAuthError invalid_token for an invalid token', async () => {
    const v = toOAuthTokenVerifier({ verifyToken: async () => null });
    const err = await v.verifyAccessToken('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect((err as OAuthError).code).toBe('invalid_token');
  });
});
