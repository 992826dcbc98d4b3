import { type ConsentingOAuthClientProvider, listen, type Listening } from '@mcpauth/testing';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { isAuthError, type AnyAuthError, type AuthProvider, type FetchHandler } from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { toNodeHandler } from '@mcpauth/core/node';
import { expect } from 'vitest';

export const CLIENT_CALLBACK = 'http://127.0.0.1:4399/callback';

/** An MCP server with one `whoami` tool behind a provider, on 127.0.0.1. */
export interface McpStack<P extends AuthProvider> {
  server: Listening;
  auth: P;
  errors: AnyAuthError[];
  mcpUrl: string;
}

/** Serve `createAuth(baseUrl, onError)` and an MCP server behind it. */
export async function startMcpStack<P extends AuthProvider>(
  createAuth: (baseUrl: string, onError: (error: unknown) => void) => P | Promise<P>,
): Promise<McpStack<P>> {
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const server = await listen(toNodeHandler((request) => app(request)));
  const errors: AnyAuthError[] = [];
  const auth = await createAuth(server.url, (e) => void (isAuthError(e) && errors.push(e)));
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'provider-flow', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      const claims = info?.extra?.['claims'] as Record<string, unknown> | undefined;
      const text = JSON.stringify({
        clientId: info?.clientId,
        scopes: info?.scopes,
        subject: info?.extra?.['subject'],
        upstream: claims?.['upstream_claims'],
      });
      return { content: [{ type: 'text', text }] };
    });
    return s;
  });
  app = createMcpAuthHandler({ auth, mcp });
  return { server, auth, errors, mcpUrl: `${server.url}/mcp` };
}

/** The OAuth flow with the MCP SDK v2 client (browser approving the consent page), then a connected client. */
export async function signIn(mcpUrl: string, browser: ConsentingOAuthClientProvider): Promise<Client> {
  const first = new Client({ name: 'flow', version: '1.0.0' });
  await expect(first.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: browser }))).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  if (!browser.callback?.get('code')) throw new Error(`no code: ${browser.callback}`);
  await new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: browser }).finishAuth(browser.callback);
  const client = new Client({ name: 'flow', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: browser }));
  return client;
}

/** The first step of the flow, expected to end without a code (an error at the callback). */
export async function failSignIn(mcpUrl: string, browser: ConsentingOAuthClientProvider): Promise<URLSearchParams | undefined> {
  const first = new Client({ name: 'flow', version: '1.0.0' });
  await expect(first.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: browser }))).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  return browser.callback;
}

/** Who the `whoami` tool says the caller is. */
export async function whoami(client: Client) {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as {
    clientId: string;
    scopes: string[];
    subject: string;
    upstream: Record<string, unknown>;
  };
}
