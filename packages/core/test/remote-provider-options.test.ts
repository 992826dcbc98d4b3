import { describe, expect, it } from 'vitest';
import { RemoteAuthProvider, type RemoteProviderBaseOptions, type TokenVerifier } from '../src/index.js';
import { forwardedMetadataOption, remoteResourceLocation } from '../src/kit.js';

const verifier: TokenVerifier = { verifyToken: async () => null };

/** A remote-family provider as a provider package writes one, with the kit's helpers. */
class AcmeProvider extends RemoteAuthProvider {
  constructor(options: RemoteProviderBaseOptions & { tenant: string }) {
    const { tenant, resourceUrl: _r, baseUrl: _b, mcpPath: _m, ...rest } = options;
    const issuer = `https://idp.example.com/${tenant}`;
    super({
      ...rest,
      ...remoteResourceLocation(options),
      authorizationServers: [issuer],
      verifier,
      forwardAuthorizationServerMetadata: forwardedMetadataOption(
        `https://idp.example.com/.well-known/oauth-authorization-server/${tenant}`,
        rest.forwardAuthorizationServerMetadata,
      ),
    });
  }
}

describe('remote-family provider helpers', () => {
  it('remoteResourceLocation keeps the form the location was given in', () => {
    expect(remoteResourceLocation({ resourceUrl: 'https://mcp.example.com/mcp' })).toEqual({ resourceUrl: 'https://mcp.example.com/mcp' });
    expect(remoteResourceLocation({ baseUrl: 'https://mcp.example.com', mcpPath: '/v1/mcp' })).toEqual({
      baseUrl: 'https://mcp.example.com',
      mcpPath: '/v1/mcp',
    });
    expect(new AcmeProvider({ tenant: 't1', baseUrl: 'https://mcp.example.com', mcpPath: '/v1/mcp' }).resourceUrl).toBe(
      'https://mcp.example.com/v1/mcp',
    );
    expect(new AcmeProvider({ tenant: 't1', resourceUrl: 'https://mcp.example.com/tools' }).resourceUrl).toBe(
      'https://mcp.example.com/tools',
    );
  });

  it('forwardedMetadataOption: on by default from the given URL; false turns it off; options are kept', () => {
    const url = 'https://idp.example.com/.well-known/oauth-authorization-server/t1';
    expect(forwardedMetadataOption(url, undefined)).toEqual({ metadataUrl: url });
    expect(forwardedMetadataOption(url, true)).toEqual({ metadataUrl: url });
    expect(forwardedMetadataOption(url, false)).toBe(false);
    expect(forwardedMetadataOption(url, { cacheTtlSeconds: 60 })).toEqual({ metadataUrl: url, cacheTtlSeconds: 60 });
    expect(forwardedMetadataOption(url, { metadataUrl: 'https://other.example.com/md' })).toEqual({
      metadataUrl: 'https://other.example.com/md',
    });
    const on = new AcmeProvider({ tenant: 't1', baseUrl: 'https://mcp.example.com' });
    expect(on.routes.map((r) => r.path)).toContain('/.well-known/oauth-authorization-server');
    const off = new AcmeProvider({ tenant: 't1', baseUrl: 'https://mcp.example.com', forwardAuthorizationServerMetadata: false });
    expect(off.routes.map((r) => r.path)).not.toContain('/.well-known/oauth-authorization-server');
  });
});
