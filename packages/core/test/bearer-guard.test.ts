import { describe, expect, it } from 'vitest';
import { UpstreamError, createBearerGuard, type AccessToken, type TokenVerifier } from '../src/index.js';
import { extractBearerToken } from '../src/resource-server/bearer-guard.js';
import { sameResource } from '../src/resource-server/resource-url.js';

const MD = 'https://api.example.com/.well-known/oauth-protected-resource/mcp';
const RESOURCE = 'https://api.example.com/mcp';
const now = () => 1_000_000;

const tokens: Record<string, AccessToken> = {
  good: { token: 'good', clientId: 'c', scopes: ['mcp', 'read'], expiresAt: 1_000_100, resource: RESOURCE, claims: {} },
  noscope: { token: 'noscope', clientId: 'c', scopes: ['read'], expiresAt: 1_000_100, resource: RESOURCE, claims: {} },
  expired: { token: 'expired', clientId: 'c', scopes: ['mcp'], expiresAt: 999_999, resource: RESOURCE, claims: {} },
  other: { token: 'other', clientId: 'c', scopes: ['mcp'], expiresAt: 1_000_100, resource: 'https://other.example.com/mcp', claims: {} },
  slash: { token: 'slash', clientId: 'c', scopes: ['mcp'], resource: `${RESOURCE}/`, claims: {} },
  audOnly: { token: 'audOnly', clientId: 'c', scopes: ['mcp'], claims: { aud: ['x', RESOURCE] } },
  noAud: { token: 'noAud', clientId: 'c', scopes: ['mcp'], claims: {} },
};
const verifier: TokenVerifier = {
  async verifyToken(token) {
    if (token === 'boom') throw new Error('db down: secret-connection-string');
    return tokens[token] ?? null;
  },
};

const guard = createBearerGuard({ verifier, resourceMetadataUrl: MD, requiredScopes: ['mcp'], expectedResource: RESOURCE, now });
const req = (headers: Record<string, string> = {}, url = RESOURCE) => new Request(url, { method: 'POST', headers });

async function expectRefused(res: AccessToken | Response) {
  expect(res).toBeInstanceOf(Response);
  const r = res as Response;
  return { status: r.status, challenge: r.headers.get('www-authenticate'), body: (await r.json()) as Record<string, unknown> };
}

/** The header rule as regular expressions (what extractBearerToken's one-pass check must agree with). */
function byRegex(header: string): string | Error {
  const match = /^Bearer +(\S+) *$/i.exec(header);
  const refused = (message: string) => new Error(`invalid_request: ${message}`);
  if (!match)
    return refused(
      /^Bearer\s*$/i.test(header) || !/^Bearer\s/i.test(header)
        ? 'The Authorization header must be "Bearer <token>"'
        : 'Malformed bearer credentials',
    );
  return /^[A-Za-z0-9\-._~+/]+=*$/.test(match[1]!) ? match[1]! : refused('Malformed bearer credentials');
}

describe('extractBearerToken', () => {
  it('agrees with the regular expressions of RFC 6750 §2.1 on generated headers', () => {
    const parts = ['Bearer', 'bearer', 'BEARER', 'BeArEr', 'Bearerx', 'Basic', 'Bearer\t', 'ßearer', 'Bearer\u00e9', 'Béarer', ''];
    const gaps = ['', ' ', '  ', '\t', ' \t'];
    const tokens = ['abc', 'a.b-c_d~e+f/g', 'abc=', 'abc==', '=abc', 'a=b', 'ä', 'a b', 'a\u00a0', '', 'x'.repeat(300), 'eyJ.eyJ.sig'];
    const tails = ['', ' ', '   ', '\t', 'x', ' x'];
    let compared = 0;
    for (const part of parts)
      for (const gap of gaps)
        for (const token of tokens)
          for (const tail of tails) {
            const header = `${part}${gap}${token}${tail}`;
            if (header.includes(',') || header.trim().length === 0) continue;
            let got: string | Error;
            try {
              got = extractBearerToken(new Request(RESOURCE, { headers: { Authorization: header } })) ?? new Error('none');
            } catch (err) {
              got = new Error((err as Error).message);
            }
            // Headers trims surrounding whitespace from values: compare with what the request carries
            const carried = new Request(RESOURCE, { headers: { Authorization: header } }).headers.get('authorization')!;
            expect(got, JSON.stringify(header)).toEqual(byRegex(carried));
            compared++;
          }
    expect(compared).toBeGreaterThan(1000);
  });
});

describe('createBearerGuard', () => {
  it('accepts a valid token and returns it', async () => {
    const res = await guard(req({ Authorization: 'Bearer good' }));
    expect(res).toMatchObject({ token: 'good', clientId: 'c' });
    expect(await guard(req({ authorization: 'bearer good' }))).toMatchObject({ token: 'good' });
  });

  it('no credentials → 401 with resource_metadata and scope, no error code', async () => {
    const r = await expectRefused(await guard(req()));
    expect(r.status).toBe(401);
    expect(r.challenge).toBe(`Bearer scope="mcp", resource_metadata="${MD}"`);
  });

  it('malformed header or credentials sent twice → 400 invalid_request', async () => {
    for (const headers of [
      { Authorization: 'Basic abc' },
      { Authorization: 'Bearer' },
      { Authorization: 'Bearer a b' },
      { Authorization: 'Bearer ä' },
    ]) {
      const r = await expectRefused(await guard(req(headers)));
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_request');
      expect(r.challenge).toContain('error="invalid_request"');
      expect(r.challenge).toContain(`resource_metadata="${MD}"`);
    }
    const twice = await expectRefused(await guard(req({ Authorization: 'Bearer good' }, `${RESOURCE}?access_token=good`)));
    expect(twice.status).toBe(400);
    const query = await expectRefused(await guard(req({}, `${RESOURCE}?access_token=good`)));
    expect(query.status).toBe(400);
    const h = new Headers();
    h.append('Authorization', 'Bearer good');
    h.append('Authorization', 'Bearer good');
    expect((await expectRefused(await guard(new Request(RESOURCE, { headers: h })))).status).toBe(400);
  });

  it('invalid, expired or wrong-audience token → 401 invalid_token', async () => {
    for (const t of ['unknown', 'expired', 'other', 'noAud']) {
      const r = await expectRefused(await guard(req({ Authorization: `Bearer ${t}` })));
      expect(r.status, t).toBe(401);
      expect(r.body.error).toBe('invalid_token');
      expect(r.challenge).toContain('error="invalid_token"');
    }
  });

  it('audience matches ignoring a trailing slash, and through the aud claim', async () => {
    expect(await guard(req({ Authorization: 'Bearer slash' }))).toMatchObject({ token: 'slash' });
    expect(await guard(req({ Authorization: 'Bearer audOnly' }))).toMatchObject({ token: 'audOnly' });
  });

  it('compares audiences as sameResource does, whatever form the expected resource was given in', async () => {
    const variants = [
      'https://API.example.com/mcp/',
      'https://api.example.com:443/mcp',
      'https://api.example.com//',
      'https://api.example.com/',
      'https://api.example.com/mcp?x=1',
    ];
    const resources = [
      ...variants,
      RESOURCE,
      `${RESOURCE}/`,
      'https://api.example.com',
      'https://api.example.com/mcp?x=1/',
      'https://api.example.com/mcp?x=2',
      'not a url',
      '',
    ];
    for (const expectedResource of variants) {
      for (const resource of resources) {
        const token: AccessToken = { token: 't', clientId: 'c', scopes: [], resource, claims: {} };
        const g = createBearerGuard({ verifier: { verifyToken: async () => token }, expectedResource, now });
        const byClaim = createBearerGuard({
          verifier: { verifyToken: async () => ({ ...token, resource: undefined, claims: { aud: [7, resource] } }) },
          expectedResource,
          now,
        });
        const same = sameResource(resource, new URL(expectedResource).href);
        for (const guarded of [g, byClaim])
          expect((await guarded(req({ Authorization: 'Bearer t' }))) instanceof Response, `${expectedResource} vs ${resource}`).toBe(!same);
      }
    }
  });

  it('missing scope → 403 insufficient_scope with scope', async () => {
    const r = await expectRefused(await guard(req({ Authorization: 'Bearer noscope' })));
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('insufficient_scope');
    expect(r.challenge).toBe(
      `Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="mcp", resource_metadata="${MD}"`,
    );
  });

  it('a verifier that throws → 500 without details, reported to onError', async () => {
    const errors: unknown[] = [];
    const g = createBearerGuard({ verifier, resourceMetadataUrl: MD, expectedResource: RESOURCE, onError: (e) => errors.push(e) });
    const res = (await g(req({ Authorization: 'Bearer boom' }))) as Response;
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');
    expect(errors).toHaveLength(1);
    const upstreamDown = createBearerGuard({
      verifier: { verifyToken: async () => Promise.reject(new UpstreamError('timeout', 'IdP timed out')) },
      expectedResource: RESOURCE,
    });
    const r502 = (await upstreamDown(req({ Authorization: 'Bearer x' }))) as Response;
    expect(r502.status).toBe(502);
    expect(r502.headers.get('www-authenticate')).toBeNull();
  });

  it('escapes quotes in header values', async () => {
    const g = createBearerGuard({
      verifier,
      resourceMetadataUrl: 'https://x.example/"evil"',
      requiredScopes: ['a"b'],
      expectedResource: RESOURCE,
    });
    const r = await expectRefused(await g(req()));
    expect(r.challenge).toBe('Bearer scope="a\\"b", resource_metadata="https://x.example/\\"evil\\""');
  });

  it('advertises the verifier requiredScopes when none are given, and rejects bad options', async () => {
    const g = createBearerGuard({
      verifier: { ...verifier, verifyToken: verifier.verifyToken, requiredScopes: ['x'] },
      expectedResource: RESOURCE,
    });
    expect((await expectRefused(await g(req()))).challenge).toBe('Bearer scope="x"');
    expect(() => createBearerGuard({} as never)).toThrow(TypeError);
    expect(() => createBearerGuard({ verifier, expectedResource: 'http://api.example.com/mcp' })).toThrow(
      /expectedResource must use https/,
    );
  });

  it('refuses to start without expectedResource (MCP: a token must have been issued for this server), unless loudly opted out', async () => {
    const bare = () => createBearerGuard({ verifier } as never);
    expect(bare).toThrow(TypeError);
    expect(bare).toThrow(/expectedResource is required/);
    expect(bare).toThrow(/dangerouslyAcceptAnyAudience/);
    expect(() => createBearerGuard({ verifier, dangerouslyAcceptAnyAudience: false } as never)).toThrow(/must be true/);
    expect(() => createBearerGuard({ verifier, expectedResource: RESOURCE, dangerouslyAcceptAnyAudience: true } as never)).toThrow(
      /not both/,
    );
    // opted out: a token for another API, or naming none, passes (the verifier alone decides)
    const open = createBearerGuard({ verifier, dangerouslyAcceptAnyAudience: true, now });
    expect(await open(req({ Authorization: 'Bearer other' }))).toMatchObject({ token: 'other' });
    expect(await open(req({ Authorization: 'Bearer noAud' }))).toMatchObject({ token: 'noAud' });
  });
});
