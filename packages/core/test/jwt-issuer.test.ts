import { SignJWT, decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { JWTIssuer, TokenInvalidError, deriveJwtKey } from '../src/index.js';
import { PBKDF2_ITERATIONS } from '../src/jwt-issuer/derive-key.js';

const ISS = 'https://mcp.example.com';
const AUD = 'https://mcp.example.com/mcp';

async function issuer(material = 'upstream-client-secret-0123456789abcdef') {
  return new JWTIssuer({ issuer: ISS, audience: AUD, signingKey: await deriveJwtKey({ highEntropyMaterial: material }, 'salt-1') });
}

async function expectInvalidReason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TokenInvalidError);
    return (err as TokenInvalidError).reason;
  }
  throw new Error('expected a TokenInvalidError');
}

describe('deriveJwtKey', () => {
  it('derives 32 deterministic bytes, different per method, material and salt', async () => {
    const secret = 'a-high-entropy-secret-0123456789abcdef';
    const a = await deriveJwtKey({ highEntropyMaterial: secret }, 'salt');
    expect(a).toHaveLength(32);
    expect(await deriveJwtKey({ highEntropyMaterial: secret }, 'salt')).toEqual(a);
    expect(await deriveJwtKey({ highEntropyMaterial: secret }, 'salt2')).not.toEqual(a);
    expect(await deriveJwtKey({ highEntropyMaterial: `${secret}2` }, 'salt')).not.toEqual(a);
    const low = await deriveJwtKey({ lowEntropyMaterial: secret }, 'salt');
    expect(low).toHaveLength(32);
    expect(low).not.toEqual(a);
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
  });

  it('rejects bad input with TypeError', async () => {
    await expect(deriveJwtKey({} as never, 'salt')).rejects.toThrow(TypeError);
    await expect(deriveJwtKey({ highEntropyMaterial: 'a', lowEntropyMaterial: 'b' } as never, 'salt')).rejects.toThrow(TypeError);
    await expect(deriveJwtKey({ highEntropyMaterial: '' }, 'salt')).rejects.toThrow(TypeError);
    await expect(deriveJwtKey({ highEntropyMaterial: 'x'.repeat(32) }, '')).rejects.toThrow(TypeError);
  });

  it('takes high-entropy material of 32 bytes or more only (HKDF does not stretch); a passphrase may be shorter', async () => {
    await expect(deriveJwtKey({ highEntropyMaterial: 'x'.repeat(31) }, 'salt')).rejects.toThrow(/at least 32 bytes/);
    await expect(deriveJwtKey({ highEntropyMaterial: new Uint8Array(31) }, 'salt')).rejects.toThrow(TypeError);
    expect(await deriveJwtKey({ highEntropyMaterial: crypto.getRandomValues(new Uint8Array(32)) }, 'salt')).toHaveLength(32);
    expect(await deriveJwtKey({ lowEntropyMaterial: 'correct horse' }, 'salt')).toHaveLength(32);
  });
});

describe('JWTIssuer', () => {
  it('issues access tokens with the documented claims and verifies them', async () => {
    const jwt = await issuer();
    const token = await jwt.issueAccessToken({
      clientId: 'c1',
      scopes: ['read', 'write'],
      jti: 'j1',
      subject: 'u1',
      upstreamClaims: { login: 'alice' },
    });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: ISS, aud: AUD, client_id: 'c1', scope: 'read write', jti: 'j1', token_use: 'access', sub: 'u1' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    const verified = await jwt.verifyToken(token, { expectedTokenUse: 'access' });
    expect(verified).toMatchObject({ client_id: 'c1', jti: 'j1', upstream_claims: { login: 'alice' } });
  });

  it('refuses a refresh token used as an access token and the reverse', async () => {
    const jwt = await issuer();
    const refresh = await jwt.issueRefreshToken({ clientId: 'c1', scopes: [], jti: 'r1', expiresIn: 86400 });
    const access = await jwt.issueAccessToken({ clientId: 'c1', scopes: [], jti: 'a1' });
    expect(await expectInvalidReason(jwt.verifyToken(refresh, { expectedTokenUse: 'access' }))).toBe('token_use');
    expect(await expectInvalidReason(jwt.verifyToken(access, { expectedTokenUse: 'refresh' }))).toBe('token_use');
    await expect(jwt.verifyToken(refresh, { expectedTokenUse: 'refresh' })).resolves.toMatchObject({ token_use: 'refresh' });
  });

  it('refuses wrong issuer, wrong audience, expired, tampered, other key, wrong algorithm', async () => {
    const key = await deriveJwtKey({ highEntropyMaterial: 'upstream-client-secret-0123456789abcdef' }, 'salt-1');
    const jwt = new JWTIssuer({ issuer: ISS, audience: AUD, signingKey: key });
    const sign = (claims: Record<string, unknown>, exp = Math.floor(Date.now() / 1000) + 60) =>
      new SignJWT({ client_id: 'c', scope: '', token_use: 'access', ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime(exp)
        .setJti('x')
        .setIssuer((claims.iss as string) ?? ISS)
        .setAudience((claims.aud as string) ?? AUD)
        .sign(key);
    expect(
      await expectInvalidReason(jwt.verifyToken(await sign({ iss: 'https://evil.example.com' }), { expectedTokenUse: 'access' })),
    ).toBe('issuer');
    expect(
      await expectInvalidReason(jwt.verifyToken(await sign({ aud: 'https://other.example.com/mcp' }), { expectedTokenUse: 'access' })),
    ).toBe('audience');
    expect(
      await expectInvalidReason(jwt.verifyToken(await sign({}, Math.floor(Date.now() / 1000) - 120), { expectedTokenUse: 'access' })),
    ).toBe('expired');
    const good = await jwt.issueAccessToken({ clientId: 'c1', scopes: ['read'], jti: 'j' });
    const [h, p, s] = good.split('.');
    const tamperedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(good), scope: 'admin' })).toString('base64url');
    expect(await expectInvalidReason(jwt.verifyToken(`${h}.${tamperedPayload}.${s}`, { expectedTokenUse: 'access' }))).toBe('signature');
    const other = await issuer('another-secret-0123456789abcdef0123456789');
    expect(await expectInvalidReason(other.verifyToken(good, { expectedTokenUse: 'access' }))).toBe('signature');
    expect(await expectInvalidReason(jwt.verifyToken('not-a-jwt', { expectedTokenUse: 'access' }))).toBe('malformed');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    expect(await expectInvalidReason(jwt.verifyToken(none, { expectedTokenUse: 'access' }))).toBe('algorithm');
  });

  it('validates its options', () => {
    expect(() => new JWTIssuer({ issuer: '', audience: AUD, signingKey: new Uint8Array(32) })).toThrow(TypeError);
    expect(() => new JWTIssuer({ issuer: ISS, audience: AUD, signingKey: new Uint8Array(16) })).toThrow(TypeError);
  });
});
