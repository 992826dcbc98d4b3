/**
 * The proxy's redirect URI allowlist against the registration bodies real MCP clients send (as
 * they document them, see `knownMcpClientRedirectUris`), the open-redirect rule of RFC 9700
 * §4.11.2 at `/authorize`, and the consent page of a Client ID Metadata Document client. Through
 * the proxy's Fetch handler, with the oidc-provider upstream.
 */
import { CookieJar, type OidcHarness } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, knownMcpClientRedirectUris } from '../../src/index.js';
import { pkceChallenge, randomToken } from '../../src/lib/crypto.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { startTlsServer, type TlsServer } from '../authorization-server/fixtures.js';
import { proxyOptions, startUpstream, submitConsent, type ProxyOverrides } from './helpers.js';

const BASE = 'http://127.0.0.1:8941';
let h: OidcHarness;
let tls: TlsServer;
beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
  tls = await startTlsServer();
});
afterAll(async () => {
  await h.close();
  await tls.close();
});

/** Registration bodies as the clients document them. */
const BODIES = {
  // https://github.com/microsoft/vscode/issues/278512
  vscode: {
    client_name: 'Visual Studio Code',
    redirect_uris: ['https://insiders.vscode.dev/redirect', 'https://vscode.dev/redirect', 'http://127.0.0.1/', 'http://127.0.0.1:33418/'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  // https://github.com/erp-mafia/accounted/pull/2225 (Cursor's three-URI registration)
  cursor: {
    client_name: 'Cursor',
    redirect_uris: [
      'cursor://anysphere.cursor-mcp/oauth/callback',
      'https://www.cursor.com/agents/mcp/oauth/callback',
      'http://localhost:8787/callback',
    ],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  // https://claude.com/docs/connectors/building/authentication
  claude: {
    client_name: 'Claude',
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  // https://gitlab.com/gitlab-org/gitlab/-/issues/579061 (the redirect URI ChatGPT sends)
  chatgpt: {
    client_name: 'ChatGPT',
    redirect_uris: ['https://chatgpt.com/connector_platform_oauth_redirect'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
} as const;

function proxyWith(overrides: ProxyOverrides = {}): OAuthProxy {
  return new OAuthProxy(proxyOptions(h, BASE, overrides));
}

async function register(proxy: OAuthProxy, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await proxy.handler(
    new Request(`${BASE}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  );
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function authorizeUrl(clientId: string, redirectUri: string, verifier: string): Promise<string> {
  const url = new URL(`${BASE}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'st',
    scope: 'read',
  }).toString();
  return url.href;
}

describe('registration keeps the allowed subset of the redirect URIs', () => {
  it('default (loopback only): VS Code and Cursor keep their loopback URIs; claude.ai and ChatGPT are refused', async () => {
    const proxy = proxyWith();
    const vscode = await register(proxy, BODIES.vscode);
    expect(vscode.status).toBe(201);
    expect(vscode.json['redirect_uris']).toEqual(['http://127.0.0.1/', 'http://127.0.0.1:33418/']);
    expect((await proxy.getClient(vscode.json['client_id'] as string))?.redirect_uris).toEqual([
      'http://127.0.0.1/',
      'http://127.0.0.1:33418/',
    ]);
    const cursor = await register(proxy, BODIES.cursor);
    expect(cursor.status).toBe(201);
    expect(cursor.json['redirect_uris']).toEqual(['http://localhost:8787/callback']);
    for (const body of [BODIES.claude, BODIES.chatgpt]) {
      const refused = await register(proxy, body);
      expect(refused.status).toBe(400);
      expect(refused.json['error']).toBe('invalid_redirect_uri');
    }
  });

  it('with the known-clients preset every documented body registers whole', async () => {
    const proxy = proxyWith({ allowedClientRedirectUris: knownMcpClientRedirectUris });
    for (const body of Object.values(BODIES)) {
      const res = await register(proxy, body);
      expect(res.status, body.client_name).toBe(201);
      expect(res.json['redirect_uris']).toEqual(body.redirect_uris);
    }
  });

  it('the preset allows what it lists and nothing around it', () => {
    const proxy = proxyWith({ allowedClientRedirectUris: [...knownMcpClientRedirectUris, 'https://my.app/cb'] });
    for (const ok of [
      'https://my.app/cb',
      'https://chatgpt.com/connector/oauth/abc123',
      'cursor://anysphere.cursor-retrieval/oauth/user-notes/callback',
      'http://localhost:6274/oauth/callback/debug',
    ]) {
      expect(proxy.isRedirectUriAllowed(ok), ok).toBe(true);
    }
    for (const no of [
      'https://claude.ai/api/mcp/auth_callback/../x',
      'https://claude.ai.evil.example/api/mcp/auth_callback',
      'https://evil.example/api/mcp/auth_callback',
      'https://claude.ai/api/mcp/auth_callback?next=https://evil.example',
      'http://claude.ai/api/mcp/auth_callback',
      'cursor://evil/oauth/callback',
      'https://vscode.dev/redirect/evil',
      'https://my.app/cb2',
    ]) {
      expect(proxy.isRedirectUriAllowed(no), no).toBe(false);
    }
  });
});

describe('/authorize never redirects to a URI the allowlist refuses (RFC 9700 §4.11.2)', () => {
  it('a client stored before the allowlist narrowed gets an HTML error page, no Location', async () => {
    const store = new MemoryStore();
    const wide = proxyWith({ store, allowedClientRedirectUris: knownMcpClientRedirectUris });
    const { json } = await register(wide, BODIES.claude);
    const narrow = proxyWith({ store });
    expect(await narrow.getClient(json['client_id'] as string)).not.toBeNull();
    const res = await narrow.handler(
      new Request(await authorizeUrl(json['client_id'] as string, 'https://claude.ai/api/mcp/auth_callback', randomToken(48))),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('redirect_uri is not allowed by this server');
  });

  it('a CIMD client whose document lists a refused redirect URI gets an HTML error page, no Location', async () => {
    const proxy = proxyWith({ authorizationServer: { cimd: { allowLoopback: true, http: { fetch: tls.fetch } } } });
    const path = `/clients/open-redirect.json`;
    const clientId = `${tls.url}${path}`;
    tls.serve(
      path,
      JSON.stringify({ client_id: clientId, client_name: 'Doc', redirect_uris: ['https://evil.example/cb', 'http://127.0.0.1:9/cb'] }),
    );
    const res = await proxy.handler(new Request(await authorizeUrl(clientId, 'https://evil.example/cb', randomToken(48))));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toContain('text/html');
    // Its allowed URI still works.
    const ok = await proxy.handler(new Request(await authorizeUrl(clientId, 'http://127.0.0.1:9/cb', randomToken(48))));
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toContain('/consent?transaction=');

    const onlyEvil = `/clients/only-evil.json`;
    tls.serve(onlyEvil, JSON.stringify({ client_id: `${tls.url}${onlyEvil}`, redirect_uris: ['https://evil.example/cb'] }));
    const refused = await proxy.handler(
      new Request(await authorizeUrl(`${tls.url}${onlyEvil}`, 'https://evil.example/cb', randomToken(48))),
    );
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
  });
});

describe('an allowed custom-scheme redirect URI completes the flow', () => {
  it('Cursor: register → authorize → consent → upstream login → callback to cursor:// → token', async () => {
    const proxy = proxyWith({ allowedClientRedirectUris: knownMcpClientRedirectUris });
    const { json } = await register(proxy, BODIES.cursor);
    const clientId = json['client_id'] as string;
    const redirectUri = 'cursor://anysphere.cursor-mcp/oauth/callback';
    const verifier = randomToken(48);
    const auth = await proxy.handler(new Request(await authorizeUrl(clientId, redirectUri, verifier)));
    expect(auth.status).toBe(302);
    const jar = new CookieJar();
    const consentPage = await proxy.handler(new Request(auth.headers.get('location')!));
    // The consent form may be answered to the app's scheme (the deny redirect) and the upstream.
    expect(consentPage.headers.get('content-security-policy')).toContain('cursor:');
    expect(await consentPage.text()).toContain('an app on this device');
    const approved = await submitConsent(proxy, auth.headers.get('location')!, jar, 'approve');
    expect(approved.status).toBe(303);
    const callback = await h.login(approved.headers.get('location')!);
    const back = await proxy.handler(new Request(callback, { headers: { cookie: jar.header() } }));
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get('location')!);
    expect(`${location.protocol}//${location.host}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('st');
    expect(location.searchParams.get('iss')).toBe(BASE);
    const token = await proxy.handler(
      new Request(`${BASE}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          code_verifier: verifier,
          redirect_uri: redirectUri,
          client_id: clientId,
        }),
      }),
    );
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as { access_token: string };
    expect((await proxy.verifyToken(tokens.access_token))?.clientId).toBe(clientId);
  });
});

describe('consent page of a Client ID Metadata Document client', () => {
  it('shows the host serving the document prominently and says the name is self-declared', async () => {
    const proxy = proxyWith({ authorizationServer: { cimd: { allowLoopback: true, http: { fetch: tls.fetch } } } });
    const path = '/clients/impostor.json';
    const clientId = `${tls.url}${path}`;
    tls.serve(path, JSON.stringify({ client_id: clientId, client_name: 'Claude Code', redirect_uris: ['http://127.0.0.1:9/cb'] }));
    const auth = await proxy.handler(new Request(await authorizeUrl(clientId, 'http://127.0.0.1:9/cb', randomToken(48))));
    const html = await (await proxy.handler(new Request(auth.headers.get('location')!))).text();
    const host = new URL(tls.url).host;
    expect(html).toMatch(new RegExp(`<h1>Allow the application from <strong>${host.replace(/\./g, '\\.')}</strong>`));
    expect(html).toContain(`<title>Authorize ${host}</title>`);
    expect(html).toContain('Claude Code<small>self-declared, not verified</small>');
    expect(html).not.toMatch(/<h1>[^<]*<strong>Claude Code/);

    // Without a client_name there is no name row (the URL is not a name).
    const nameless = '/clients/nameless.json';
    tls.serve(nameless, JSON.stringify({ client_id: `${tls.url}${nameless}`, redirect_uris: ['http://127.0.0.1:9/cb'] }));
    const again = await proxy.handler(new Request(await authorizeUrl(`${tls.url}${nameless}`, 'http://127.0.0.1:9/cb', randomToken(48))));
    const page = await (await proxy.handler(new Request(again.headers.get('location')!))).text();
    expect(page).toContain('<dt>Identified by</dt>');
    expect(page).not.toContain('<dt>Name</dt>');
  });

  it('a registered client keeps the name-first page', async () => {
    const proxy = proxyWith();
    const { json } = await register(proxy, BODIES.cursor);
    const auth = await proxy.handler(
      new Request(await authorizeUrl(json['client_id'] as string, 'http://localhost:8787/callback', randomToken(48))),
    );
    const html = await (await proxy.handler(new Request(auth.headers.get('location')!))).text();
    expect(html).toContain('<h1>Allow <strong>Cursor</strong>');
    expect(html).toContain('registered itself');
  });
});
