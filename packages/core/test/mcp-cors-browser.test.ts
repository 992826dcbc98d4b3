/**
 * The MCP endpoint's CORS in headless Chromium, as a browser-based MCP client (the MCP Inspector)
 * meets it: a page on another origin sends a preflighted POST with a bearer token and reads the
 * answer and its exposed headers, and reads the challenge of a 401; without CORS the browser
 * refuses both (so the page's checks can fail).
 */
import { launchChromium, listen, type Listening } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteAuthProvider, type TokenVerifier } from '../src/index.js';
import { createMcpAuthHandler } from '../src/mcp.js';
import { toNodeHandler } from '../src/node.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;

let browser: Browser;
let page: Listening;
const servers: Listening[] = [];

/** An MCP endpoint behind createMcpAuthHandler on loopback; its URL. */
async function mcpServer(cors: boolean): Promise<string> {
  let handler: (r: Request) => Promise<Response> = async () => new Response(null, { status: 503 });
  const srv = await listen(toNodeHandler((r) => handler(r)));
  servers.push(srv);
  const resourceUrl = `${srv.url}/mcp`;
  const verifier: TokenVerifier = {
    verifyToken: async (token) =>
      token === 'good'
        ? { token, clientId: 'c1', scopes: ['mcp'], expiresAt: Math.floor(Date.now() / 1000) + 60, resource: resourceUrl, claims: {} }
        : null,
  };
  const auth = new RemoteAuthProvider({ resourceUrl, authorizationServers: ['https://as.example.com'], verifier, requiredScopes: ['mcp'] });
  const mcp = {
    fetch: async () =>
      new Response('{"jsonrpc":"2.0","id":1,"result":{}}', {
        headers: { 'content-type': 'application/json', 'mcp-session-id': 'session-1' },
      }),
  };
  handler = createMcpAuthHandler({ auth, mcp, cors });
  return resourceUrl;
}

/** What a page on another origin gets from a fetch to `url` (or the error the browser raised). */
async function fromPage(url: string, token: string | undefined) {
  const tab = await browser.newPage();
  try {
    await tab.goto(page.url);
    return await tab.evaluate(
      async ({ url, token }) => {
        try {
          const headers: Record<string, string> = { 'content-type': 'application/json', 'mcp-protocol-version': '2025-06-18' };
          if (token) headers['authorization'] = `Bearer ${token}`;
          const res = await fetch(url, { method: 'POST', headers, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
          return {
            status: res.status,
            body: await res.text(),
            session: res.headers.get('mcp-session-id'),
            challenge: res.headers.get('www-authenticate'),
          };
        } catch (err) {
          return { error: String(err) };
        }
      },
      { url, token },
    );
  } finally {
    await tab.close();
  }
}

beforeAll(async () => {
  browser = await launchChromium();
  // the page's origin: localhost, the MCP servers are on 127.0.0.1 (another origin)
  page = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>client</title>'));
  page = { ...page, url: page.url.replace('127.0.0.1', 'localhost') };
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await page?.close();
  for (const srv of servers) await srv.close();
});

describe('the MCP endpoint from a browser page on another origin', () => {
  it('answers a preflighted, authorized POST whose answer and exposed headers the page can read', async () => {
    const url = await mcpServer(true);
    expect(await fromPage(url, 'good')).toEqual({
      status: 200,
      body: '{"jsonrpc":"2.0","id":1,"result":{}}',
      session: 'session-1',
      challenge: null,
    });
  });

  it('lets the page read the 401 challenge (to find the resource metadata)', async () => {
    const url = await mcpServer(true);
    const result = await fromPage(url, undefined);
    expect(result).toMatchObject({ status: 401 });
    expect((result as { challenge: string }).challenge).toContain('resource_metadata=');
  });

  it('is refused by the browser without CORS', async () => {
    const url = await mcpServer(false);
    expect(await fromPage(url, 'good')).toMatchObject({ error: expect.stringContaining('Failed to fetch') });
    expect(await fromPage(url, undefined)).toMatchObject({ error: expect.stringContaining('Failed to fetch') });
  });
});
