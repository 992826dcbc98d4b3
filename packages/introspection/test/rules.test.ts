import { TokenInvalidError } from '@mcpauth/core';
import ky from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntrospectionTokenVerifier, type IntrospectionTokenVerifierOptions } from '../src/index.js';
import { fakeEndpoint, json, reports, type FakeEndpoint } from './helpers.js';

const AUD = 'https://mcp.example.com/mcp';

// The request we send and the rules applied to the answer, against a small local endpoint.

const NOW = 1_800_000_000;
let endpoint: FakeEndpoint;

beforeAll(async () => {
  endpoint = await fakeEndpoint();
});
afterAll(() => endpoint.close());

function setup(options: Partial<IntrospectionTokenVerifierOptions> = {}) {
  const { hook, errors } = reports();
  const verifier = new IntrospectionTokenVerifier({
    introspectionUrl: `${endpoint.url}/oauth2/introspect`,
    clientId: 'rs',
    clientSecret: 'rs-secret',
    expectedAudience: AUD,
    onInvalidToken: hook,
    now: () => NOW,
    ...options,
  } as IntrospectionTokenVerifierOptions);
  return { verifier, errors };
}

function answer(body: Record<string, unknown>): void {
  endpoint.respond((_req, res) => json(res, 200, body));
}

function formDecode(value: string): string {
  return new URLSearchParams(`v=${value}`).get('v')!;
}

describe('request', () => {
  it('client_secret_basic: POST form with token and hint; id and secret form-encoded before base64 (RFC 6749 §2.3.1)', async () => {
    const clientId = 'rs:basic client';
    const clientSecret = 'sec ret:+/%~!&=';
    const { verifier } = setup({ clientId, clientSecret });
    answer({ active: true, aud: AUD, client_id: 'app' });
    const before = endpoint.requests.length;

    await verifier.verifyToken('opaque-token+/=');

    const seen = endpoint.requests.slice(before);
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers['accept']).toBe('application/json');
    expect([...req.form]).toEqual([
      ['token', 'opaque-token+/='],
      ['token_type_hint', 'access_token'],
    ]);
    const authorization = req.headers['authorization']!;
    expect(authorization).toBe(`Basic ${Buffer.from('rs%3Abasic+client:sec+ret%3A%2B%2F%25%7E%21%26%3D').toString('base64')}`);
    const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString();
    const colon = decoded.indexOf(':');
    expect([formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))]).toEqual([clientId, clientSecret]);
  });

  it('client_secret_post: credentials in the form, no Authorization header', async () => {
    const { verifier } = setup({ clientAuthMethod: 'client_secret_post' });
    answer({ active: true, aud: AUD, client_id: 'app' });
    const before = endpoint.requests.length;

    await verifier.verifyToken('opaque-token');

    const req = endpoint.requests[before]!;
    expect(req.headers['authorization']).toBeUndefined();
    expect(Object.fromEntries(req.form)).toEqual({
      token: 'opaque-token',
      token_type_hint: 'access_token',
      client_id: 'rs',
      client_secret: 'rs-secret',
    });
  });

  it('an injected ky instance is used (its hooks run)', async () => {
    let hooked = 0;
    const client = ky.create({ hooks: { beforeRequest: [() => void hooked++] } });
    const { verifier } = setup({ ky: client });
    answer({ active: true, aud: AUD, client_id: 'app' });
    await expect(verifier.verifyToken('t')).resolves.not.toBeNull();
    expect(hooked).toBe(1);
  });

  it('an empty token is refused without a request', async () => {
    const { verifier, errors } = setup();
    const before = endpoint.requests.length;
    await expect(verifier.verifyToken('')).resolves.toBeNull();
    expect(endpoint.requests.length).toBe(before);
    expect((errors[0] as TokenInvalidError).reason).toBe('malformed');
  });
});

describe('response', () => {
  it('maps an active response to an AccessToken; claims are the whole response', async () => {
    const body = {
      active: true,
      client_id: 'app',
      sub: 'alice',
      scope: 'read write',
      exp: NOW + 60,
      iat: NOW - 10,
      iss: 'https://auth.example.com',
      aud: ['https://mcp.example.com/mcp', 'other'],
      username: 'alice@example.com',
    };
    answer(body);
    const { verifier } = setup({
      requiredScopes: ['read'],
      expectedAudience: 'https://mcp.example.com/mcp',
      expectedIssuer: 'https://auth.example.com',
    });

    await expect(verifier.verifyToken('t')).resolves.toEqual({
      token: 't',
      clientId: 'app',
      subject: 'alice',
      scopes: ['read', 'write'],
      expiresAt: NOW + 60,
      claims: body,
    });
  });

  it('scope may be an array; clientId falls back to sub', async () => {
    answer({ active: true, aud: AUD, sub: 'svc-account', scope: ['read', 'write'] });
    const token = await setup().verifier.verifyToken('t');
    expect(token).toMatchObject({ clientId: 'svc-account', subject: 'svc-account', scopes: ['read', 'write'] });
    expect(token?.expiresAt).toBeUndefined();
  });

  const refusals: Array<[string, Record<string, unknown>, Partial<IntrospectionTokenVerifierOptions>, string]> = [
    ['exp in the past beyond the tolerance', { exp: NOW - 31 }, {}, 'expired'],
    ['exp in the past with no tolerance', { exp: NOW }, { clockTolerance: 0 }, 'expired'],
    ['nbf in the future beyond the tolerance', { nbf: NOW + 31 }, {}, 'not_yet_valid'],
    ['exp that is not a number', { exp: String(NOW + 60) }, {}, 'claim'],
    ['a missing required scope', { scope: 'read' }, { requiredScopes: ['read', 'write'] }, 'insufficient_scope'],
    ['another audience', { aud: 'https://other.example.com' }, { expectedAudience: ['https://mcp.example.com/mcp'] }, 'audience'],
    ['no audience when one is expected', { aud: undefined }, { expectedAudience: 'https://mcp.example.com/mcp' }, 'audience'],
    ['another issuer', { iss: 'https://evil.example.com' }, { expectedIssuer: 'https://auth.example.com' }, 'issuer'],
    ['neither client_id nor sub', { client_id: undefined, sub: '' }, {}, 'claim'],
  ];

  it.each(refusals)('refuses %s', async (_name, claims, options, reason) => {
    answer({ active: true, aud: AUD, client_id: 'app', scope: 'read', ...claims });
    const { verifier, errors } = setup(options);
    await expect(verifier.verifyToken('t')).resolves.toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TokenInvalidError);
    expect((errors[0] as TokenInvalidError).reason).toBe(reason);
  });

  it('accepts exp and nbf within the clock tolerance', async () => {
    answer({ active: true, aud: AUD, client_id: 'app', exp: NOW - 20, nbf: NOW + 20 });
    await expect(setup({ clockTolerance: 30 }).verifier.verifyToken('t')).resolves.not.toBeNull();
  });
});

describe('options', () => {
  const base = { introspectionUrl: 'https://auth.example.com/introspect', clientId: 'rs', clientSecret: 's', expectedAudience: AUD };

  it.each<[string, Record<string, unknown>]>([
    ['a relative URL', { introspectionUrl: '/introspect' }],
    ['plain http to a remote host', { introspectionUrl: 'http://auth.example.com/introspect' }],
    ['an empty clientId', { clientId: '' }],
    ['a missing clientSecret', { clientSecret: undefined }],
    ['an unknown clientAuthMethod', { clientAuthMethod: 'private_key_jwt' }],
    ['a negative clockTolerance', { clockTolerance: -1 }],
    ['a zero cache TTL', { cache: { ttlSeconds: 0 } }],
    ['a fractional cache size', { cache: { ttlSeconds: 10, maxEntries: 1.5 } }],
  ])('throw TypeError for %s', (_name, override) => {
    expect(() => new IntrospectionTokenVerifier({ ...base, ...override } as IntrospectionTokenVerifierOptions)).toThrow(TypeError);
  });

  it('accept https, and http on loopback hosts', () => {
    for (const url of ['https://auth.example.com/i', 'http://localhost:8080/i', 'http://127.0.0.1/i', 'http://[::1]:9000/i']) {
      expect(() => new IntrospectionTokenVerifier({ ...base, introspectionUrl: url })).not.toThrow();
    }
  });

  it('need an expectedAudience (MCP: a token must have been issued for this server), or the loudly named opt-out', async () => {
    const { expectedAudience: _, ...bare } = base;
    const build = (extra: Record<string, unknown>) => () =>
      new IntrospectionTokenVerifier({ ...bare, ...extra } as IntrospectionTokenVerifierOptions);
    expect(build({})).toThrow(/expectedAudience is required/);
    expect(build({})).toThrow(/dangerouslyAcceptAnyAudience/);
    expect(build({ expectedAudience: [] })).toThrow(/expectedAudience must be a non-empty/);
    expect(build({ dangerouslyAcceptAnyAudience: 'yes' })).toThrow(/must be true/);
    expect(build({ expectedAudience: AUD, dangerouslyAcceptAnyAudience: true })).toThrow(/not both/);
    // opted out: a token introspected as issued for another API is accepted (a guard with expectedResource must check it)
    answer({ active: true, aud: 'https://other-api.example.com', client_id: 'app' });
    const open = new IntrospectionTokenVerifier({
      ...bare,
      introspectionUrl: `${endpoint.url}/oauth2/introspect`,
      dangerouslyAcceptAnyAudience: true,
      now: () => NOW,
    });
    await expect(open.verifyToken('t')).resolves.toMatchObject({ clientId: 'app' });
    await expect(setup().verifier.verifyToken('t')).resolves.toBeNull();
  });

  it('expose requiredScopes for the bearer guard', () => {
    expect(new IntrospectionTokenVerifier({ ...base, requiredScopes: ['mcp:tools'] }).requiredScopes).toEqual(['mcp:tools']);
  });
});
