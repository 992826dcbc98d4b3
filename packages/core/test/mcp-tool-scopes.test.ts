/**
 * `requireToolScopes`: a per-tool scope challenge (MCP SDK v2 `scopeChallenge`) that names every
 * scope the request needs — the endpoint's required scopes, the token's, the tool's — so a client
 * that replaces its scope with the challenge's still ends with a working token.
 */
import { listen, type Listening } from '@mcpauth/testing';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteAuthProvider, type TokenVerifier } from '../src/index.js';
import { createMcpAuthHandler, requireToolScopes } from '../src/mcp.js';
import { toNodeHandler } from '../src/node.js';

const TOKENS: Record<string, string[]> = { basic: ['mcp'], files: ['mcp', 'files:read'], admin: ['mcp', 'admin'] };

let srv: Listening;
let auth: RemoteAuthProvider;
beforeAll(async () => {
  let handler: (r: Request) => Promise<Response> = async () => new Response(null, { status: 503 });
  srv = await listen(toNodeHandler((r) => handler(r)));
  const resource = `${srv.url}/mcp`;
  const verifier: TokenVerifier = {
    verifyToken: async (token) =>
      TOKENS[token]
        ? { token, clientId: 'c1', scopes: TOKENS[token]!, expiresAt: Math.floor(Date.now() / 1000) + 60, resource, claims: {} }
        : null,
  };
  auth = new RemoteAuthProvider({
    resourceUrl: resource,
    authorizationServers: ['https://as.example.com'],
    verifier,
    requiredScopes: ['mcp'],
  });
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: 'scopes', version: '1.0.0' });
    server.registerTool('admin_status', { scopeChallenge: requireToolScopes(auth, 'admin') }, async () => ({
      content: [{ type: 'text', text: 'ok' }],
    }));
    return server;
  });
  handler = createMcpAuthHandler({ auth, mcp });
});
afterAll(() => srv.close());

const call = (token: string) =>
  fetch(auth.resourceUrl, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'admin_status', arguments: {} } }),
  });

describe('requireToolScopes', () => {
  it('challenges with the endpoint scopes, the held scopes and the tool scope', async () => {
    const basic = await call('basic');
    expect(basic.status).toBe(403);
    const challenge = basic.headers.get('www-authenticate')!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp admin"');
    expect(challenge).toContain(`resource_metadata="${auth.resourceMetadataUrl}"`);
    expect((await call('files')).headers.get('www-authenticate')).toContain('scope="mcp files:read admin"');
  });

  it('lets a token with the tool scope through', async () => {
    const res = await call('admin');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('ok');
  });

  it('tells the auth set-up of the challenge before answering', async () => {
    const noted: [string, readonly string[]][] = [];
    const handler = requireToolScopes(
      { requiredScopes: ['mcp'], noteInsufficientScope: async (token, scopes) => void noted.push([token, scopes]) },
      'admin',
    );
    const authInfo = { token: 't1', clientId: 'c', scopes: ['mcp'] };
    expect(await handler({ request: { jsonrpc: '2.0', id: 1, method: 'tools/call' }, authInfo } as never)).toMatchObject({
      scopes: ['mcp', 'admin'],
    });
    expect(noted).toEqual([['t1', ['mcp', 'admin']]]);
    expect(
      await handler({
        request: { jsonrpc: '2.0', id: 1, method: 'tools/call' },
        authInfo: { ...authInfo, scopes: ['mcp', 'admin'] },
      } as never),
    ).toBeUndefined();
    expect(noted).toHaveLength(1);
  });

  it('refuses bad scopes at construction', () => {
    expect(() => requireToolScopes(auth)).toThrow(TypeError);
    expect(() => requireToolScopes(['mcp'], 'has space')).toThrow(TypeError);
    expect(() => requireToolScopes(['bad"quote'], 'admin')).toThrow(TypeError);
  });
});
