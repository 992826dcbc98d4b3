/**
 * JWTVerifier's `logger`: refusals at debug with their reason, and the configuration problems
 * that otherwise turn every request into a silent 401 or 502 (a JWKS URL answering 404, tokens
 * naming another issuer or audience) said once at warn, by default on the console. No token in
 * any line.
 */
import type { LogFields, Logger } from '@mcpauth/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JWTVerifier, type JWTVerifierOptions } from '../src/index.js';
import { RSAKeyPair } from '../src/testing.js';
import { manualClock, startJwksServer, type JwksServer } from './helpers.js';

const AUD = 'https://mcp.example.com/mcp';
const ISSUER = 'https://auth.example.test';
const keys = await RSAKeyPair.generate({ kid: 'key-a' });
let server: JwksServer;

beforeEach(async () => {
  server = await startJwksServer([keys.publicJwk]);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

function capture(): Logger & { lines: { level: string; message: string; fields: LogFields | undefined }[] } {
  const lines: { level: string; message: string; fields: LogFields | undefined }[] = [];
  const at = (level: string) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function verifier(options: Partial<JWTVerifierOptions> = {}) {
  const clock = manualClock();
  const v = new JWTVerifier({ jwksUri: server.jwksUri, issuer: ISSUER, audience: AUD, now: clock.now, ...options } as JWTVerifierOptions);
  return { v, clock };
}

describe('JWTVerifier logging', () => {
  it('token_refused at debug with the reason, never the token', async () => {
    const logger = capture();
    const { v } = verifier({ logger });
    const expired = await keys.createToken({ audience: AUD, issuer: ISSUER, expiresInSeconds: -3600 });
    expect(await v.verifyToken(expired)).toBeNull();
    expect(await v.verifyToken('not-a-jwt-but-long-enough')).toBeNull();
    expect(logger.lines.map((l) => [l.level, l.fields?.event, l.fields?.reason, l.fields?.source])).toEqual([
      ['debug', 'token_refused', 'expired', 'JWTVerifier'],
      ['debug', 'token_refused', 'malformed', 'JWTVerifier'],
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain(expired);
    expect(JSON.stringify(logger.lines)).not.toContain(expired.split('.')[2]);
  });

  it('a JWKS URL that answers 404: configuration_problem once, however many tokens are refused', async () => {
    server.mode = 'missing';
    const logger = capture();
    const { v, clock } = verifier({ logger, jwksCooldown: 1 });
    for (let i = 0; i < 3; i++) {
      await expect(v.verifyToken(await keys.createToken({ audience: AUD, issuer: ISSUER }))).rejects.toMatchObject({
        code: 'ERR_UPSTREAM',
      });
      clock.advance(5);
    }
    expect(server.requests).toBe(3);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: 'warn',
      fields: { event: 'configuration_problem', source: 'JWTVerifier', problem: 'jwks_not_found', status: 404 },
    });
    expect(logger.lines[0]!.message).toContain('/jwks answers HTTP 404');
  });

  it('without a logger the 404 reaches console.warn once; logger: false keeps it quiet', async () => {
    server.mode = 'missing';
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    const { v, clock } = verifier({ jwksCooldown: 1 });
    for (let i = 0; i < 2; i++) {
      await expect(v.verifyToken(await keys.createToken({ audience: AUD, issuer: ISSUER }))).rejects.toThrow();
      clock.advance(5);
    }
    expect(await v.verifyToken('x'.repeat(20))).toBeNull();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![1]).toMatchObject({ event: 'configuration_problem', problem: 'jwks_not_found' });
    expect(debug).not.toHaveBeenCalled();

    warn.mockClear();
    const quiet = verifier({ logger: false }).v;
    await expect(quiet.verifyToken(await keys.createToken({ audience: AUD, issuer: ISSUER }))).rejects.toThrow();
    expect(warn).not.toHaveBeenCalled();
  });

  it('tokens signed with the right keys but another issuer: issuer_mismatch once, each refusal at debug', async () => {
    const logger = capture();
    const onInvalidToken = vi.fn();
    const { v } = verifier({ logger, issuer: `${ISSUER}/`, onInvalidToken });
    const tokens = await Promise.all([1, 2, 3].map((n) => keys.createToken({ audience: AUD, issuer: ISSUER, subject: `user-${n}` })));
    for (const token of tokens) expect(await v.verifyToken(token)).toBeNull();
    const problems = logger.lines.filter((l) => l.fields?.event === 'configuration_problem');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.fields).toMatchObject({ problem: 'issuer_mismatch', expected: [`${ISSUER}/`], received: JSON.stringify(ISSUER) });
    expect(logger.lines.filter((l) => l.fields?.event === 'token_refused').map((l) => l.fields?.reason)).toEqual([
      'issuer',
      'issuer',
      'issuer',
    ]);
    // the hook hears the refusals only, as before
    expect(onInvalidToken).toHaveBeenCalledTimes(3);
    for (const token of tokens) expect(JSON.stringify(logger.lines)).not.toContain(token.split('.')[2]);
  });

  it('tokens for another audience: audience_mismatch once', async () => {
    const logger = capture();
    const { v } = verifier({ logger });
    for (let i = 0; i < 2; i++)
      expect(await v.verifyToken(await keys.createToken({ audience: 'https://other.example/api', issuer: ISSUER }))).toBeNull();
    expect(logger.lines.filter((l) => l.fields?.event === 'configuration_problem').map((l) => l.fields?.problem)).toEqual([
      'audience_mismatch',
    ]);
  });

  it('a logger of the wrong shape is a TypeError', () => {
    expect(() => verifier({ logger: console.log as unknown as Logger })).toThrow(/JWTVerifier: logger must have/);
  });
});
