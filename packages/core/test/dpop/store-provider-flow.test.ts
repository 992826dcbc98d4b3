/**
 * DPoP with this package's own authorization server (`createAuthorizationServer` +
 * `StoreOAuthProvider`, RFC 9449): the MCP SDK v2 client with a DPoP key gets DPoP-bound tokens
 * (`token_type: DPoP`, the grant keeps the key), calls a tool with proofs and refreshes with a
 * proof. Refused: the bound token as Bearer, a refresh without a proof or with another key (a
 * public client), a client that never used DPoP when the MCP endpoint requires it.
 */
import { HeadlessOAuthClientProvider, signInWithOAuth } from '@mcpauth/testing';
import { type Client, DpopSession, auth } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../authorization-server/fixtures.js';

const CALLBACK = 'http://127.0.0.1:4321/callback';

/** The headless SDK client with a DPoP key: the SDK then asks for and presents DPoP-bound tokens. */
class DpopHeadlessClient extends HeadlessOAuthClientProvider {
  session: DpopSession | undefined;
  constructor() {
    super(CALLBACK, { client_name: 'dpop test client' });
  }
  async dpop(): Promise<DpopSession> {
    this.session ??= await DpopSession.create();
    return this.session;
  }
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function whoami(client: Client): Promise<{ clientId: string }> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as { clientId: string };
}

const refresh = (s: Stack, clientId: string, refreshToken: string, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
  });

describe('DPoP with the own authorization server (StoreOAuthProvider)', () => {
  it('binds the grant to the client key: tools with proofs, refresh with a proof; the token as Bearer and key-less refreshes refused', async () => {
    stack = await startStack({ dpop: {} });
    const s = stack;
    const provider = new DpopHeadlessClient();
    const client = await signInWithOAuth(s.mcpUrl, provider, 'dpop');
    const session = provider.session!;
    expect(provider.tokens()?.token_type).toBe('DPoP');
    const bound = await s.provider.loadAccessToken(provider.tokens()!.access_token);
    expect(bound?.cnf).toEqual({ jkt: session.thumbprint });
    expect((await whoami(client)).clientId).toBe(provider.clientInformation()!.client_id);

    // the SDK refreshes with a proof: a new refresh token, still bound to the same key
    const first = provider.tokens()!;
    expect(await auth(provider, { serverUrl: s.mcpUrl })).toBe('AUTHORIZED');
    expect(provider.tokens()!.refresh_token).not.toBe(first.refresh_token);
    expect(provider.tokens()!.token_type).toBe('DPoP');
    expect((await s.provider.loadAccessToken(provider.tokens()!.access_token))?.cnf).toEqual({ jkt: session.thumbprint });
    expect((await whoami(client)).clientId).toBe(provider.clientInformation()!.client_id);
    await client.close();

    const { access_token: accessToken, refresh_token: refreshToken } = provider.tokens()!;
    const clientId = provider.clientInformation()!.client_id;
    // the bound access token presented as a bearer token
    const asBearer = await fetch(s.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(asBearer.status).toBe(401);
    // a refresh of the bound grant without a proof, then with a proof of another key (public client)
    const noProof = await refresh(s, clientId, refreshToken!);
    expect(noProof.status).toBe(400);
    expect(((await noProof.json()) as { error: string }).error).toBe('invalid_grant');
    const other = await DpopSession.create();
    const otherKey = await refresh(s, clientId, refreshToken!, { dpop: await other.buildProof({ htm: 'POST', htu: `${s.url}/token` }) });
    expect(otherKey.status).toBe(400);
    expect(((await otherKey.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('a client without DPoP still gets bearer tokens unless the MCP endpoint requires DPoP', async () => {
    stack = await startStack({ dpop: {} });
    const plain = new HeadlessOAuthClientProvider(CALLBACK, { client_name: 'bearer client' });
    const client = await signInWithOAuth(stack.mcpUrl, plain, 'dpop');
    expect(plain.tokens()?.token_type).toBe('Bearer');
    expect((await stack.provider.loadAccessToken(plain.tokens()!.access_token))?.cnf).toBeUndefined();
    expect((await whoami(client)).clientId).toBe(plain.clientInformation()!.client_id);
    await client.close();
    await stack.close();

    stack = await startStack({ dpop: { required: true } });
    const refused = new HeadlessOAuthClientProvider(CALLBACK, { client_name: 'bearer client' });
    await expect(signInWithOAuth(stack.mcpUrl, refused, 'dpop')).rejects.toThrow();
  });

  it('binds the token of a machine client (client_credentials with a proof) to its key', async () => {
    stack = await startStack({ dpop: {}, clientCredentials: () => ({ scopes: ['mcp:tools'] }) });
    const s = stack;
    const registered = await fetch(`${s.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'robot', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' }),
    });
    const robot = (await registered.json()) as { client_id: string; client_secret: string };
    const session = await DpopSession.create();
    const res = await fetch(`${s.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        dpop: await session.buildProof({ htm: 'POST', htu: new URL(`${s.url}/token`) }),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: robot.client_id, client_secret: robot.client_secret }),
    });
    expect(res.status).toBe(200);
    const token = (await res.json()) as { access_token: string; token_type: string };
    expect(token.token_type).toBe('DPoP');
    expect((await s.provider.loadAccessToken(token.access_token))?.cnf).toEqual({ jkt: session.thumbprint });
  });
});
