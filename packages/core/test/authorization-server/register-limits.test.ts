import { describe, expect, it } from 'vitest';
import { createAuthorizationServer, StoreOAuthProvider, MemoryStore } from '../../src/index.js';
import { setClientAddress } from '../../src/kit.js';
import { addressBucket } from '../../src/lib/rate-limit.js';
import { direct, REDIRECT, type Direct } from './fixtures.js';

const IAT = 'initial-access-token-0123456789abcdef';

function post(d: Direct, options: { address?: string; authorization?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const request = new Request(new URL('/register', d.issuer), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(options.authorization ? { Authorization: options.authorization } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
  });
  setClientAddress(request, options.address);
  return d.as.handler(request);
}

async function statuses(d: Direct, count: number, options: Parameters<typeof post>[1] = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await post(d, options)).status);
  return out;
}

describe('registration rate limit', () => {
  it('counts per address, in fixed windows, with a configurable limit; unknown addresses share one bucket', async () => {
    const d = direct({ server: { clientRegistration: { rateLimit: { max: 3, windowSeconds: 60 } } } });
    d.clock.seconds = Math.ceil(d.clock.seconds / 60) * 60; // the start of a window
    expect(await statuses(d, 4, { address: '192.0.2.1' })).toEqual([201, 201, 201, 429]);
    expect(await statuses(d, 1, { address: '192.0.2.2' })).toEqual([201]);
    expect(await statuses(d, 4)).toEqual([201, 201, 201, 429]);
    d.clock.advance(20);
    const limited = await post(d, { address: '192.0.2.1' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('40');
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    expect(limited.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(await limited.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/too many/i) });
    d.clock.advance(40);
    expect(await statuses(d, 1, { address: '192.0.2.1' })).toEqual([201]);
  });

  it('takes the address from clientAddress when given (a trusted proxy header)', async () => {
    const d = direct({
      server: { clientRegistration: { rateLimit: { max: 1 }, clientAddress: (request) => request.headers.get('x-real-ip') ?? undefined } },
    });
    expect((await post(d, { headers: { 'x-real-ip': '203.0.113.1' }, address: '10.0.0.1' })).status).toBe(201);
    expect((await post(d, { headers: { 'x-real-ip': '203.0.113.2' }, address: '10.0.0.1' })).status).toBe(201);
    expect((await post(d, { headers: { 'x-real-ip': '203.0.113.1' }, address: '10.0.0.2' })).status).toBe(429);
  });

  it('buckets IPv6 addresses by /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBucket('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressBucket('192.0.2.7')).toBe('192.0.2.7');
  });

  it('can be turned off', async () => {
    const d = direct({ server: { clientRegistration: { rateLimit: false } } });
    expect((await statuses(d, 30)).every((s) => s === 201)).toBe(true);
  });

  it('keeps its counters in the provider store by default, so servers sharing the store share the limit', async () => {
    const store = new MemoryStore();
    const make = () =>
      createAuthorizationServer({
        provider: new StoreOAuthProvider({ issuerUrl: 'http://127.0.0.1:9999', store }),
        issuerUrl: 'http://127.0.0.1:9999',
        clientRegistration: { rateLimit: { max: 4 } },
      });
    const servers = [make(), make()];
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const request = new Request('http://127.0.0.1:9999/register', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
      });
      setClientAddress(request, '192.0.2.9');
      codes.push((await servers[i % 2]!.handler(request)).status);
    }
    expect(codes.filter((c) => c === 201)).toHaveLength(4);
    expect(codes.filter((c) => c === 429)).toHaveLength(6);
  });

  it('refuses bad options at construction', () => {
    const provider = new StoreOAuthProvider({ issuerUrl: 'http://127.0.0.1:9999' });
    const make = (clientRegistration: object) => () =>
      createAuthorizationServer({ provider, issuerUrl: 'http://127.0.0.1:9999', clientRegistration });
    expect(make({ rateLimit: { max: 0 } })).toThrow(TypeError);
    expect(make({ rateLimit: { windowSeconds: 1.5 } })).toThrow(TypeError);
    expect(make({ initialAccessToken: 'short' })).toThrow(TypeError);
    expect(make({ initialAccessToken: 42 })).toThrow(TypeError);
    expect(make({ clientAddress: 'x' })).toThrow(TypeError);
  });
});

describe('initial access token (RFC 7591 §3)', () => {
  it('with a string: registers only with the right bearer token; 401 invalid_token with a Bearer challenge otherwise', async () => {
    const d = direct({ server: { clientRegistration: { initialAccessToken: IAT } } });
    const missing = await post(d);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await post(d, { authorization: `Bearer ${IAT}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_token' });
    expect((await post(d, { authorization: `Basic ${btoa(`a:${IAT}`)}` })).status).toBe(401);
    const ok = await post(d, { authorization: `Bearer ${IAT}` });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ redirect_uris: [REDIRECT] });
  });

  it('with a function: the function decides, and sees the request', async () => {
    const seen: string[] = [];
    const d = direct({
      server: {
        clientRegistration: {
          initialAccessToken: async (token, request) => {
            seen.push(new URL(request.url).pathname);
            return token === 'team-a' || token === 'team-b';
          },
        },
      },
    });
    expect((await post(d, { authorization: 'Bearer team-a' })).status).toBe(201);
    expect((await post(d, { authorization: 'Bearer team-b' })).status).toBe(201);
    expect((await post(d, { authorization: 'Bearer team-c' })).status).toBe(401);
    expect(seen).toEqual(['/register', '/register', '/register']);
  });
});
