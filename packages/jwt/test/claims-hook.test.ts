import { TokenInvalidError, UpstreamError, createBearerGuard } from '@mcpauth/core';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JWTVerifier, type JWTClaimsHook, type JWTClaimsMapping, type JWTVerifierOptions } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { nowSeconds, recorder } from './helpers.js';

// The claims hook (extra checks and claim mapping) and the audience check function.

const keys = await RSAKeyPair.generate();
const ISS = 'https://auth.example.test';
const AUD = 'https://mcp.example.com/mcp';
const APP_CLIENT = '6v5mq1l2example';

function sign(claims: Record<string, unknown>) {
  const now = nowSeconds();
  return new SignJWT({ iss: ISS, sub: 'alice', iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'RS256' })
    .sign(keys.privateKey);
}

function verifier(options: Partial<JWTVerifierOptions>) {
  const log = recorder();
  const v = new JWTVerifier({ publicKey: keys.publicKey, issuer: ISS, onInvalidToken: log.hook, ...options } as JWTVerifierOptions);
  return { v, log };
}

describe('claims hook', () => {
  it('maps claims: the returned fields replace the default mapping, the rest stays', async () => {
    const claims: JWTClaimsHook = (payload) => ({ scopes: payload['roles'] as string[], subject: payload['username'] as string });
    const { v } = verifier({ audience: AUD, claims });
    const token = await v.verifyToken(
      await sign({ aud: AUD, client_id: 'app', scope: 'ignored', roles: ['admin', 'read'], username: 'alice@example.com' }),
    );
    expect(token).toMatchObject({ clientId: 'app', scopes: ['admin', 'read'], subject: 'alice@example.com', resource: AUD });
  });

  it('sees the frozen payload and the default mapping, and may supply a client the token does not name', async () => {
    const seen: [unknown, JWTClaimsMapping][] = [];
    const claims: JWTClaimsHook = (payload, mapped) => {
      seen.push([payload, mapped]);
      return { clientId: payload['app'] as string };
    };
    const { v } = verifier({ audience: AUD, claims });
    const token = await v.verifyToken(
      await new SignJWT({ iss: ISS, aud: AUD, exp: nowSeconds() + 60, app: 'from-hook', scp: ['a', 'b'] })
        .setProtectedHeader({ alg: 'RS256' })
        .sign(keys.privateKey),
    );
    expect(token?.clientId).toBe('from-hook');
    const [payload, mapped] = seen[0]!;
    expect(Object.isFrozen(payload)).toBe(true);
    expect(Object.isFrozen(mapped)).toBe(true);
    expect(mapped).toEqual({ clientId: undefined, scopes: ['a', 'b'], subject: undefined, resource: AUD });
  });

  it('refuses a token: null (reason claim), a TokenInvalidError (its reason), or anything else thrown (reason claim)', async () => {
    const cases: [JWTClaimsHook, string][] = [
      [() => null, 'claim'],
      [
        () => {
          throw new TokenInvalidError('token_use', 'An ID token, not an access token');
        },
        'token_use',
      ],
      [
        () => {
          throw new Error('bug in the hook');
        },
        'claim',
      ],
      [async () => Promise.reject(new Error('async bug')), 'claim'],
      [() => 'yes' as never, 'claim'],
      [() => ({ scopes: 'read' }) as never, 'claim'],
      [() => ({ clientId: '' }), 'claim'],
      [() => ({ subject: 42 }) as never, 'claim'],
    ];
    for (const [claims, reason] of cases) {
      const { v, log } = verifier({ audience: AUD, claims });
      expect(await v.verifyToken(await sign({ aud: AUD })), reason).toBeNull();
      expect(log.reasons(), String(claims)).toEqual([reason]);
    }
  });

  it('an UpstreamError from the hook is an outage: the verification rejects with it', async () => {
    const { v, log } = verifier({
      audience: AUD,
      claims: async () => Promise.reject(new UpstreamError('timeout', 'user directory timed out')),
    });
    await expect(v.verifyToken(await sign({ aud: AUD }))).rejects.toBeInstanceOf(UpstreamError);
    expect(log.errors).toEqual([]);
  });

  it('runs before requiredScopes, which applies to the mapped scopes', async () => {
    const { v, log } = verifier({ audience: AUD, requiredScopes: ['mcp'], claims: (p) => ({ scopes: p['groups'] as string[] }) });
    expect(await v.verifyToken(await sign({ aud: AUD, scope: 'mcp', groups: ['other'] }))).toBeNull();
    expect(log.reasons()).toEqual(['insufficient_scope']);
    expect(await v.verifyToken(await sign({ aud: AUD, groups: ['mcp'] }))).toMatchObject({ scopes: ['mcp'] });
  });

  it('its result is cached with the token: one call for repeated verifications', async () => {
    let calls = 0;
    const { v } = verifier({ audience: AUD, claims: async () => void calls++ });
    const token = await sign({ aud: AUD });
    for (let i = 0; i < 3; i++) expect(await v.verifyToken(token)).not.toBeNull();
    expect(calls).toBe(1);
    const uncached = verifier({ audience: AUD, cache: false, claims: () => void calls++ });
    await uncached.v.verifyToken(token);
    await uncached.v.verifyToken(token);
    expect(calls).toBe(3);
  });

  it('must be a function', () => {
    expect(() => new JWTVerifier({ publicKey: keys.publicKey, audience: AUD, claims: {} as never })).toThrow(/claims must be a function/);
  });
});

describe('audience as a function (Cognito: client_id instead of aud)', () => {
  const cognito = (payload: Readonly<Record<string, unknown>>) => payload['client_id'] === APP_CLIENT;

  it('satisfies the audience requirement: no dangerouslyAcceptAnyAudience needed, and not both', () => {
    expect(() => new JWTVerifier({ publicKey: keys.publicKey, audience: cognito })).not.toThrow();
    expect(() => new JWTVerifier({ publicKey: keys.publicKey, audience: cognito, dangerouslyAcceptAnyAudience: true } as never)).toThrow(
      /not both/,
    );
    expect(() => new JWTVerifier({ publicKey: keys.publicKey } as never)).toThrow(/audience is required/);
  });

  it('accepts a token it returns true for (no aud at all), refuses one it returns false for (reason audience)', async () => {
    const { v, log } = verifier({ audience: cognito });
    expect(await v.verifyToken(await sign({ client_id: APP_CLIENT, token_use: 'access', scope: 'openid' }))).toMatchObject({
      clientId: APP_CLIENT,
      resource: undefined,
      scopes: ['openid'],
    });
    expect(await v.verifyToken(await sign({ client_id: 'another-app-client', token_use: 'access' }))).toBeNull();
    // the function replaces the aud check: a token for AUD but another app client is refused
    expect(await v.verifyToken(await sign({ aud: AUD, client_id: 'another-app-client' }))).toBeNull();
    expect(log.reasons()).toEqual(['audience', 'audience']);
  });

  it('a string it returns is the token resource, which the bearer guard checks', async () => {
    const { v } = verifier({ audience: (p) => (p['client_id'] === APP_CLIENT ? AUD : false) });
    const token = await sign({ client_id: APP_CLIENT });
    expect((await v.verifyToken(token))?.resource).toBe(AUD);
    const guard = createBearerGuard({ verifier: v, expectedResource: AUD });
    expect(await guard(new Request(AUD, { headers: { authorization: `Bearer ${token}` } }))).toMatchObject({ clientId: APP_CLIENT });
    const elsewhere = createBearerGuard({ verifier: v, expectedResource: 'https://other.example.com/mcp' });
    expect(((await elsewhere(new Request(AUD, { headers: { authorization: `Bearer ${token}` } }))) as Response).status).toBe(401);
  });

  it('a throwing audience function refuses the token (reason claim); anything but true or a non-empty string refuses it (audience)', async () => {
    const throwing = verifier({
      audience: () => {
        throw new Error('bug');
      },
    });
    expect(await throwing.v.verifyToken(await sign({}))).toBeNull();
    expect(throwing.log.reasons()).toEqual(['claim']);
    for (const result of ['', 1, undefined, null]) {
      const { v, log } = verifier({ audience: () => result as never });
      expect(await v.verifyToken(await sign({})), String(result)).toBeNull();
      expect(log.reasons()).toEqual(['audience']);
    }
  });

  it('combines with a claims hook: Cognito access tokens only (token_use), username as subject', async () => {
    const { v, log } = verifier({
      audience: cognito,
      claims: (p) => {
        if (p['token_use'] !== 'access') throw new TokenInvalidError('token_use', 'Not a Cognito access token');
        return { subject: p['username'] as string };
      },
    });
    expect(await v.verifyToken(await sign({ client_id: APP_CLIENT, token_use: 'access', username: 'alice' }))).toMatchObject({
      subject: 'alice',
    });
    expect(await v.verifyToken(await sign({ client_id: APP_CLIENT, token_use: 'id' }))).toBeNull();
    expect(log.reasons()).toEqual(['token_use']);
  });
});
