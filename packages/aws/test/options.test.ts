import { describe, expect, it } from 'vitest';
import { AWSCognitoProvider, cognitoEndpoints, type AWSCognitoProviderOptions } from '../src/index.js';

const BASE = {
  userPoolId: 'us-east-1_AbCdEf123',
  clientId: '1example23456789',
  clientSecret: 'a-client-secret-of-at-least-32-bytes!!',
  baseUrl: 'https://mcp.example.com',
};

describe('cognitoEndpoints', () => {
  it('derives the region from the pool id, and the issuer, discovery and JWKS URLs', () => {
    expect(cognitoEndpoints('us-east-1_AbCdEf123')).toEqual({
      region: 'us-east-1',
      issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123',
      configUrl: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/openid-configuration',
      jwksUri: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json',
    });
    expect(cognitoEndpoints('us-gov-west-1_Xyz789', { region: 'us-gov-west-1' }).issuer).toBe(
      'https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Xyz789',
    );
    expect(cognitoEndpoints('eu-west-2_Pool', { serviceUrl: 'http://127.0.0.1:4566/' }).configUrl).toBe(
      'http://127.0.0.1:4566/eu-west-2_Pool/.well-known/openid-configuration',
    );
  });

  it('refuses a malformed pool id, a contradicting region, a plain-http service URL', () => {
    for (const bad of ['', 'AbCdEf123', 'us-east-1', 'us-east-1_', 'US-EAST-1_abc', 'us-east-1_abc/../x']) {
      expect(() => cognitoEndpoints(bad), bad).toThrow(TypeError);
    }
    expect(() => cognitoEndpoints('us-east-1_AbCdEf123', { region: 'eu-west-1' })).toThrow(/does not match/);
    expect(() => cognitoEndpoints('us-east-1_AbCdEf123', { serviceUrl: 'http://cognito.example.com' })).toThrow(TypeError);
  });
});

describe('AWSCognitoProvider options', () => {
  it('refuses bad options with TypeError at construction', () => {
    const bad: [string, unknown][] = [
      ['no pool id', { ...BASE, userPoolId: undefined }],
      ['a bad pool id', { ...BASE, userPoolId: 'pool' }],
      ['a region that contradicts the pool id', { ...BASE, region: 'eu-west-1' }],
      ['no clientId', { ...BASE, clientId: '' }],
      ['no clientSecret', { ...BASE, clientSecret: undefined }],
      ['groupsAsScopes not a boolean', { ...BASE, groupsAsScopes: 1 }],
      ['a bad proxy option', { ...BASE, baseUrl: 'http://mcp.example.com' }],
    ];
    for (const [label, options] of bad)
      expect(() => new AWSCognitoProvider(options as AWSCognitoProviderOptions), label).toThrow(TypeError);
    expect(() => new AWSCognitoProvider(undefined as unknown as AWSCognitoProviderOptions)).toThrow(TypeError);
  });

  it('is an AuthProvider of this server', () => {
    const auth = new AWSCognitoProvider(BASE);
    expect(auth.resourceUrl).toBe('https://mcp.example.com/mcp');
    expect(auth.authorizationServers).toEqual(['https://mcp.example.com']);
  });
});
