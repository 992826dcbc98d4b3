import { createBearerGuard } from '@mcpauth/core';
import { describe, expect, it } from 'vitest';
import { StaticTokenVerifier, type StaticTokenVerifierOptions } from '../src/index.js';
import { manualClock, recorder } from './helpers.js';

describe('StaticTokenVerifier (development only)', () => {
  const clock = manualClock(1_000_000);
  const log = recorder();
  const verifier = new StaticTokenVerifier({
    tokens: {
      'dev-token': { clientId: 'dev', scopes: ['read', 'write'], subject: 'alice', claims: { role: 'admin' } },
      'short-lived': { clientId: 'dev', scopes: ['read'], expiresAt: 1_000_060 },
      'read-only': { clientId: 'viewer', scopes: ['read'] },
    },
    requiredScopes: ['read'],
    now: clock.now,
    onInvalidToken: log.hook,
  });

  it('accepts a configured token and returns what it stands for', async () => {
    expect(await verifier.verifyToken('dev-token')).toEqual({
      token: 'dev-token',
      clientId: 'dev',
      scopes: ['read', 'write'],
      expiresAt: undefined,
      subject: 'alice',
      claims: { role: 'admin' },
    });
  });

  it('refuses unknown tokens, prefixes and extensions of known ones', async () => {
    log.clear();
    for (const token of ['nope', 'dev-toke', 'dev-token2', 'DEV-TOKEN', '', `${'dev-token '.trim()} `]) {
      expect(await verifier.verifyToken(token), token).toBeNull();
    }
    expect(await verifier.verifyToken(42 as unknown as string)).toBeNull();
    expect(await verifier.verifyToken('x'.repeat(100_000))).toBeNull();
    expect(log.reasons()).toEqual([...Array(6).fill('unknown_token'), 'malformed', 'too_large']);
  });

  it('checks expiry and required scopes', async () => {
    log.clear();
    expect(await verifier.verifyToken('short-lived')).not.toBeNull();
    clock.advance(60);
    expect(await verifier.verifyToken('short-lived')).toBeNull();
    const strict = new StaticTokenVerifier({
      tokens: { 'read-only': { clientId: 'viewer', scopes: ['read'] } },
      requiredScopes: ['write'],
      onInvalidToken: log.hook,
    });
    expect(await strict.verifyToken('read-only')).toBeNull();
    expect(log.reasons()).toEqual(['expired', 'insufficient_scope']);
    expect(strict.requiredScopes).toEqual(['write']);
  });

  it('hands out copies', async () => {
    const first = (await verifier.verifyToken('dev-token'))!;
    first.scopes.push('admin');
    first.claims['role'] = 'root';
    expect(await verifier.verifyToken('dev-token')).toMatchObject({ scopes: ['read', 'write'], claims: { role: 'admin' } });
  });

  it('checks its options', () => {
    const build = (options: unknown) => () => new StaticTokenVerifier(options as StaticTokenVerifierOptions);
    expect(build({})).toThrow(TypeError);
    expect(build({ tokens: { '': { clientId: 'x', scopes: [] } } })).toThrow(/non-empty/);
    expect(build({ tokens: { t: { scopes: [] } } })).toThrow(/clientId/);
    expect(build({ tokens: { t: { clientId: 'x', scopes: 'read' } } })).toThrow(/scopes/);
    expect(build({ tokens: { t: { clientId: 'x', scopes: [], resource: 'http://mcp.example.com/mcp' } } })).toThrow(
      /resource must use https/,
    );
  });

  it('names the resource a token is for, so a bearer guard with expectedResource accepts it (and refuses the others)', async () => {
    const resource = 'http://127.0.0.1:3000/mcp';
    const guard = createBearerGuard({
      verifier: new StaticTokenVerifier({
        tokens: {
          'for-us': { clientId: 'dev', scopes: [], resource },
          'for-another-api': { clientId: 'dev', scopes: [], resource: 'https://other.example.com/api' },
          'for-nothing': { clientId: 'dev', scopes: [] },
        },
      }),
      expectedResource: resource,
    });
    const call = (token: string) => guard(new Request(resource, { headers: { authorization: `Bearer ${token}` } }));
    expect(await call('for-us')).toMatchObject({ clientId: 'dev', resource });
    expect(((await call('for-another-api')) as Response).status).toBe(401);
    expect(((await call('for-nothing')) as Response).status).toBe(401);
  });
});
