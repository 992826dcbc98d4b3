/**
 * DPoP end to end through the OAuth proxy (RFC 9449): the MCP SDK v2 client with its DPoP support
 * (`OAuthClientProvider.dpop()`, a `DpopSession`) gets DPoP-bound tokens at `/token`, calls tools
 * with `Authorization: DPoP` and proofs, and refreshes with a proof; nonce challenges at the token
 * endpoint and at the MCP endpoint are answered by the SDK. Refused over raw HTTP: a bound token
 * as Bearer, a refresh without a proof or with another key, a proof replayed at `/token`.
 */
import { ScriptedOAuthClient } from '@mcpauth/testing';
import { Client, DpopSession, StreamableHTTPClientTransport, UnauthorizedError, auth } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import type { ProxyDPoPOptions } from '../../src/proxy/options.js';
import { proxyOptions } from '../proxy/helpers.js';
import { CLIENT_CALLBACK, startProxyStack, type ProxyStack } from '../proxy/stack.js';

const NONCE_SECRET = 'dpop-nonce-secret-0123456789abcdef0123456789';

/** The scripted MCP SDK client, with a DPoP key (the SDK then asks for and presents DPoP-bound tokens). */
class DpopClient extends ScriptedOAuthClient {
  session: DpopSession | undefined;
  async dpop(): Promise<DpopSession> {
    this.session ??= await DpopSession.create();
    return this.session;
  }
}

let stack: ProxyStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function start(dpop: ProxyDPoPOptions) {
  return startProxyStack((url, h) => new OAuthProxy(proxyOptions(h, url, { dpop, consent: { mode: 'off' } })));
}

async function expectConnected(s: ProxyStack, provider: ScriptedOAuthClient): Promise<Client> {
  const first = new Client({ name: 'dpop', version: '1.0.0' });
  await expect(first.connect(new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider }))).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  await new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider }).finishAuth(provider.callback!);
  const client = new Client({ name: 'dpop', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider }));
  return client;
}

async function whoami(client: Client): Promise<{ subject: string }> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as { subject: string };
}

const form = (body: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(body),
});

describe('DPoP through the OAuth proxy with the MCP SDK client', () => {
  it('binds the tokens, calls tools with proofs, refreshes with a proof; refuses what breaks the binding', async () => {
    stack = await start({});
    const s = stack;
    const provider = new DpopClient({ redirectUri: CLIENT_CALLBACK, upstreamOrigin: s.h.issuer, login: (url) => s.h.login(url) });
    const client = await expectConnected(s, provider);
    const session = provider.session!;
    expect(provider.saved?.token_type).toBe('DPoP');
    expect(decodeJwt(provider.saved!.access_token)['cnf']).toEqual({ jkt: session.thumbprint });
    expect((await whoami(client)).subject).toBe('alice');

    // the SDK refreshes with a proof; the new tokens are bound to the same key
    const first = provider.saved!;
    expect(await auth(provider, { serverUrl: s.mcpUrl })).toBe('AUTHORIZED');
    expect(provider.saved!.refresh_token).not.toBe(first.refresh_token);
    expect(provider.saved!.token_type).toBe('DPoP');
    expect(decodeJwt(provider.saved!.access_token)['cnf']).toEqual({ jkt: session.thumbprint });
    expect((await whoami(client)).subject).toBe('alice');
    await client.close();

    const { access_token: accessToken, refresh_token: refreshToken } = provider.saved!;
    const clientId = provider.client!.client_id;
    const tokenUrl = `${s.url}/token`;

    // the bound access token presented as Bearer
    const asBearer = await fetch(s.mcpUrl, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${accessToken}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);

    // a refresh without a proof, and with a proof by another key
    const refresh = { grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: clientId };
    const noProof = await fetch(tokenUrl, form(refresh));
    expect(noProof.status).toBe(400);
    expect(await noProof.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/DPoP proof/) });
    const thief = await DpopSession.create();
    const otherKey = await fetch(tokenUrl, {
      ...form(refresh),
      headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: await thief.buildProof({ htm: 'POST', htu: tokenUrl }) },
    });
    expect(otherKey.status).toBe(400);
    expect(await otherKey.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/another key/) });

    // a proof is good for one token request
    const proof = await session.buildProof({ htm: 'POST', htu: tokenUrl });
    const once = await fetch(tokenUrl, {
      ...form({ ...refresh, refresh_token: 'not-a-refresh-token' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: proof },
    });
    expect((await once.json()) as Record<string, unknown>).toMatchObject({ error: 'invalid_grant' });
    const replayed = await fetch(tokenUrl, {
      ...form(refresh),
      headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: proof },
    });
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ error: 'invalid_dpop_proof' });

    // the grant survived all that: the right key still refreshes
    const good = await fetch(tokenUrl, {
      ...form(refresh),
      headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: await session.buildProof({ htm: 'POST', htu: tokenUrl }) },
    });
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ token_type: 'DPoP' });

    // the metadata
    const as = (await (await fetch(`${s.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as['dpop_signing_alg_values_supported']).toContain('ES256');
    const prm = (await (await fetch(`${s.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prm['dpop_signing_alg_values_supported']).toContain('ES256');
    expect(prm).not.toHaveProperty('dpop_bound_access_tokens_required');
  });

  it('a client without DPoP still gets Bearer tokens when DPoP is optional', async () => {
    stack = await start({});
    const s = stack;
    const provider = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK, upstreamOrigin: s.h.issuer, login: (url) => s.h.login(url) });
    const client = await expectConnected(s, provider);
    expect(provider.saved?.token_type).toBe('Bearer');
    expect(decodeJwt(provider.saved!.access_token)).not.toHaveProperty('cnf');
    expect((await whoami(client)).subject).toBe('alice');
    await client.close();
  });

  it('required, with server nonces: the SDK answers the nonce challenges at /token and at /mcp; a Bearer client is refused', async () => {
    stack = await start({ required: true, nonce: { secret: NONCE_SECRET } });
    const s = stack;
    const prm = (await (await fetch(`${s.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prm['dpop_bound_access_tokens_required']).toBe(true);

    const statuses: { path: string; status: number; error?: string }[] = [];
    const provider = new DpopClient({ redirectUri: CLIENT_CALLBACK, upstreamOrigin: s.h.issuer, login: (url) => s.h.login(url) });
    const watch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const path = new URL(input instanceof Request ? input.url : input.toString()).pathname;
      const error = /use_dpop_nonce/.test(res.headers.get('www-authenticate') ?? '') ? 'use_dpop_nonce' : undefined;
      statuses.push({ path, status: res.status, ...(error ? { error } : {}) });
      return res;
    };
    const first = new Client({ name: 'dpop', version: '1.0.0' });
    await expect(
      first.connect(new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider, fetch: watch })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    await new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider, fetch: watch }).finishAuth(provider.callback!);
    expect(provider.saved?.token_type).toBe('DPoP');
    const client = new Client({ name: 'dpop', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: provider, fetch: watch }));
    expect((await whoami(client)).subject).toBe('alice');
    await client.close();
    // the token endpoint asked for a nonce first (400), then issued; the MCP endpoint is on the same
    // origin and shares the nonce, so the SDK's proofs there carried it from the start
    const token = statuses.filter((r) => r.path === '/token').map((r) => r.status);
    expect(token).toEqual([400, 200]);
    const afterToken = statuses.slice(statuses.findIndex((r) => r.path === '/token' && r.status === 200) + 1);
    expect(afterToken.filter((r) => r.path === '/mcp').every((r) => r.status !== 401)).toBe(true);
    expect(afterToken.length).toBeGreaterThan(0);

    const plain = new ScriptedOAuthClient({ redirectUri: CLIENT_CALLBACK, upstreamOrigin: s.h.issuer, login: (url) => s.h.login(url) });
    const plainClient = new Client({ name: 'plain', version: '1.0.0' });
    await expect(plainClient.connect(new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: plain }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    await new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: plain }).finishAuth(plain.callback!);
    expect(plain.saved?.token_type).toBe('Bearer');
    const refused = new Client({ name: 'plain', version: '1.0.0' });
    await expect(refused.connect(new StreamableHTTPClientTransport(new URL(s.mcpUrl), { authProvider: plain }))).rejects.toThrow();
  });
});
