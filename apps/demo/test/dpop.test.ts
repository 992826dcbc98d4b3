/**
 * `DEMO_REQUIRE_DPOP=true`: the demo's proxy accepts only DPoP-bound tokens (RFC 9449) at the MCP
 * endpoint. The MCP SDK v2 client with a DPoP key (`OAuthClientProvider.dpop()`) gets bound
 * tokens and calls tools; a client without DPoP gets a Bearer token the MCP endpoint refuses.
 */
import { DpopSession } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWithOAuth, MemoryOAuthClient } from '../src/client/oauth-client.js';
import { ScriptedBrowser } from './browser.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const REDIRECT_URI = 'http://127.0.0.1:4399/callback';

class DpopOAuthClient extends MemoryOAuthClient {
  session: DpopSession | undefined;
  async dpop(): Promise<DpopSession> {
    this.session ??= await DpopSession.create();
    return this.session;
  }
}

describe('the demo with DEMO_REQUIRE_DPOP=true', () => {
  let demo: DemoProcess;
  beforeAll(async () => {
    demo = await startDemo({ DEMO_REQUIRE_DPOP: 'true' });
  });
  afterAll(() => demo?.stop());

  it('says so in its metadata and challenges with DPoP only', async () => {
    const prm = (await (await fetch(`${demo.url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prm['dpop_bound_access_tokens_required']).toBe(true);
    const as = (await (await fetch(`${demo.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as['dpop_signing_alg_values_supported']).toContain('ES256');
    const res = await fetch(demo.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^DPoP scope="mcp:tools", resource_metadata="[^"]+", algs="ES256 /);
  });

  it('the MCP SDK client with a DPoP key gets bound tokens and calls whoami', async () => {
    const browser = new ScriptedBrowser({ login: 'alice' });
    const oauth = new DpopOAuthClient(REDIRECT_URI, (url) => browser.walk(url, REDIRECT_URI), 'DPoP client');
    const client = await connectWithOAuth(demo.mcpUrl, oauth);
    expect((await oauth.tokens())?.token_type).toBe('DPoP');
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect((result.content as { text: string }[])[0]!.text).toContain('alice');
    await client.close();
  });

  it('a client without DPoP is refused at the MCP endpoint', async () => {
    const browser = new ScriptedBrowser({ login: 'alice' });
    const oauth = new MemoryOAuthClient(REDIRECT_URI, (url) => browser.walk(url, REDIRECT_URI), 'Bearer client');
    // the SDK signs in, gets a Bearer token, and is refused with it
    await expect(connectWithOAuth(demo.mcpUrl, oauth)).rejects.toThrow(/401/);
    expect((await oauth.tokens())?.token_type).toBe('Bearer');
  });
});
