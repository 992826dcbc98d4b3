/**
 * The consent page in headless Chromium: it renders (screenshot saved to
 * test-artifacts/consent.png), approving completes the flow, denying returns access_denied, a
 * framed load is refused, and a POST without the CSRF token is refused.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, listen, type Listening } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkceChallenge, randomToken } from '../../src/lib/crypto.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import { proxyOptions } from './helpers.js';
import { CLIENT_CALLBACK, registerOverHttp, startProxyStack, type ProxyStack } from './stack.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

let stack: ProxyStack;
let browser: Browser;
let attacker: Listening;

beforeAll(async () => {
  stack = await startProxyStack(
    (url, h) =>
      new OAuthProxy(
        proxyOptions(h, url, {
          consent: {
            serverName: 'Acme Notes MCP',
            providerName: 'Acme Identity',
            scopeDescriptions: { read: 'Read your notes', write: 'Create and edit your notes' },
          },
        }),
      ),
  );
  browser = await launchChromium();
  attacker = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><title>attacker</title><iframe id="victim" src="${decodeURIComponent(req.url!.slice(1))}" width="600" height="600"></iframe>`,
    );
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await attacker?.close();
  await stack?.close();
});

async function registerClient(): Promise<string> {
  return (await registerOverHttp(stack, { client_name: 'Claude Desktop' })).client_id;
}

async function authorizeUrl(clientId: string) {
  const verifier = randomToken(48);
  const url = new URL(`${stack.url}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CLIENT_CALLBACK,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'browser-state',
    scope: 'read write',
  }).toString();
  return { url: url.href, verifier };
}

/** A page whose requests to the client's callback are answered locally, recording the final URL. */
async function clientPage(): Promise<{ page: Page; landed: Promise<URL> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  let resolve!: (url: URL) => void;
  const landed = new Promise<URL>((r) => (resolve = r));
  await page.route(`${CLIENT_CALLBACK}**`, async (route) => {
    resolve(new URL(route.request().url()));
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'client received the answer' });
  });
  return { page, landed };
}

describe('consent page in Chromium', () => {
  it('renders, and approving completes the flow through the upstream login', async () => {
    const clientId = await registerClient();
    const { url, verifier } = await authorizeUrl(clientId);
    const { page, landed } = await clientPage();
    await page.setViewportSize({ width: 800, height: 900 });
    await page.goto(url);
    expect(await page.locator('h1').textContent()).toBe('Allow Claude Desktop to access Acme Notes MCP on your behalf?');
    expect(await page.locator('dl').textContent()).toContain('127.0.0.1:4399an app on this computer');
    expect(await page.locator('dl').textContent()).toContain('Acme Identity');
    expect(await page.locator('ul').textContent()).toContain('Read your notes');
    expect(await page.locator('ul').textContent()).toContain('Create and edit your notes');
    const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}consent.png`, fullPage: true });

    await page.getByRole('button', { name: 'Approve' }).click();
    // The upstream (oidc-provider) login and its own consent.
    await page.waitForURL((u) => u.origin === stack.h.issuer);
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('secret');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();
    const callback = await landed;
    expect(callback.searchParams.get('state')).toBe('browser-state');
    expect(callback.searchParams.get('iss')).toBe(stack.url);
    const token = await fetch(`${stack.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: CLIENT_CALLBACK,
        client_id: clientId,
      }),
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    expect((await stack.proxy.verifyToken(access_token))?.subject).toBe('alice');
    await page.context().close();
  });

  it('denying returns access_denied to the client', async () => {
    const { url } = await authorizeUrl(await registerClient());
    const { page, landed } = await clientPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Deny' }).click();
    const callback = await landed;
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('browser-state');
    await page.context().close();
  });

  it('refuses to be framed by another site', async () => {
    const { url } = await authorizeUrl(await registerClient());
    // Resolve the consent URL first (the authorize endpoint redirects to it).
    const consentUrl = (await fetch(url, { redirect: 'manual' })).headers.get('location')!;
    const page = await browser.newPage();
    const refused = page.waitForEvent('console', (m) => /frame-ancestors 'none'|Refused to (display|frame)/.test(m.text()));
    await page.goto(`${attacker.url}/${encodeURIComponent(consentUrl)}`);
    await refused;
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame!.url()).toMatch(/^chrome-error:/);
    expect(await frame!.locator('button').count()).toBe(0);
    await page.close();
  });

  it('refuses a POST without the CSRF token', async () => {
    const { url } = await authorizeUrl(await registerClient());
    const { page } = await clientPage();
    await page.goto(url);
    await page.locator('input[name="csrf_token"]').evaluate((el) => el.remove());
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Approve' }).click(),
    ]);
    expect(response.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('Request refused');
    await page.context().close();
  });
});
