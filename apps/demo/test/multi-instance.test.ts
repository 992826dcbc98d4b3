/**
 * Two demo processes behind one public origin (a loopback load balancer the test steers), sharing
 * one `redis-server` (`DEMO_STORE`) and one key (`DEMO_SIGNING_KEY`), the second using the first's
 * local OpenID provider: register and authorize on one instance, token and tool calls on the
 * other, refresh back on the first, revoke on the second, and the first refuses the token.
 */
import { startRedis, type RedisHarness } from '@mcpauth/testing';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const REDIRECT_URI = 'http://127.0.0.1:4396/callback';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createNetServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A reverse proxy on loopback that sends every request to the instance the test chose. */
async function loadBalancer(): Promise<{ url: string; target: number; server: Server }> {
  const lb = { url: '', target: 0, server: undefined as unknown as Server };
  lb.server = createServer((req, res) => {
    const upstream = httpRequest(
      { host: '127.0.0.1', port: lb.target, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => lb.server.listen(0, '127.0.0.1', resolve));
  lb.url = `http://127.0.0.1:${(lb.server.address() as AddressInfo).port}`;
  return lb;
}

describe('two demo instances on one Redis', () => {
  let redis: RedisHarness;
  let lb: Awaited<ReturnType<typeof loadBalancer>>;
  let a: DemoProcess;
  let b: DemoProcess;
  const ports = { a: 0, b: 0 };

  beforeAll(async () => {
    redis = await startRedis();
    lb = await loadBalancer();
    [ports.a, ports.b] = [await freePort(), await freePort()];
    const shared = {
      DEMO_BASE_URL: lb.url,
      DEMO_STORE: redis.url,
      DEMO_SIGNING_KEY: 'demo-signing-key-for-two-instances-0123456789',
      LOCAL_IDP_CLIENT_SECRET: 'local-idp-client-secret-shared-by-both-0123',
    };
    a = await startDemo({ ...shared, PORT: String(ports.a) });
    const idp = /Local OpenID provider: (http:\/\/127\.0\.0\.1:\d+)/.exec(a.output())![1]!;
    b = await startDemo({ ...shared, PORT: String(ports.b), LOCAL_IDP_URL: idp });
  }, 90_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    lb?.server.closeAllConnections();
    lb?.server.close();
    await redis?.close();
  });

  const via = (instance: 'a' | 'b') => {
    lb.target = ports[instance];
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const whoami = (token: string) =>
    fetch(`${lb.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    });

  it('serves one flow across both instances', async () => {
    expect(a.url).toBe(lb.url);
    expect(b.url).toBe(lb.url);

    // register and authorize on A
    via('a');
    const registered = await fetch(`${lb.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'two instances',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(registered.status).toBe(201);
    const { client_id } = (await registered.json()) as { client_id: string };
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(`${lb.url}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id,
      redirect_uri: REDIRECT_URI,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      scope: 'mcp:tools',
      state: 's',
    })) {
      url.searchParams.set(k, v);
    }
    const callback = await new ScriptedBrowser({ login: 'dana' }).walk(url, REDIRECT_URI);
    const code = callback.searchParams.get('code')!;
    expect(code).toBeTruthy();

    // token and tool calls on B
    via('b');
    const tokenRes = await fetch(`${lb.url}/token`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id }),
    });
    expect(tokenRes.status).toBe(200);
    const tokens = (await tokenRes.json()) as { access_token: string; refresh_token: string };
    const who = await whoami(tokens.access_token);
    expect(who.status).toBe(200);
    expect(await who.text()).toContain('dana');

    // refresh back on A
    via('a');
    const refreshed = await fetch(`${lb.url}/token`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id }),
    });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as { access_token: string; refresh_token: string };
    expect((await whoami(next.access_token)).status).toBe(200);

    // revoke on B; A refuses the token
    via('b');
    const revoked = await fetch(`${lb.url}/revoke`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ token: next.refresh_token, client_id }),
    });
    expect(revoked.status).toBe(200);
    via('a');
    expect((await whoami(next.access_token)).status).toBe(401);
    const reuse = await fetch(`${lb.url}/token`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: next.refresh_token, client_id }),
    });
    expect(reuse.status).toBe(400);
  });
});
