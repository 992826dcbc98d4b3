import { CookieJar, parseForm, type OidcHarness } from '@mcpauth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkceChallenge, randomToken } from '../../src/lib/crypto.js';
import { RememberedApprovals } from '../../src/consent/approvals.js';
import { OAuthProxy } from '../../src/proxy/oauth-proxy.js';
import type { OAuthProxyOptions } from '../../src/proxy/options.js';
import { proxyOptions, startUpstream, submitConsent, testClient } from './helpers.js';

const BASE = 'http://127.0.0.1:8933';
let h: OidcHarness;

beforeAll(async () => {
  h = await startUpstream(`${BASE}/auth/callback`);
});
afterAll(() => h.close());

async function start(proxy: OAuthProxy, clientOverrides = {}, state = 'st-1') {
  const client = testClient(clientOverrides);
  await proxy.registerClient(client);
  const consentUrl = await proxy.authorize(client, {
    state,
    scopes: ['read'],
    codeChallenge: await pkceChallenge(randomToken(48)),
    redirectUri: client.redirect_uris[0]!,
    redirectUriProvidedExplicitly: true,
  });
  return { client, consentUrl };
}

/** Start a flow, load its consent page, and return the page's form (decision: approve) and cookies. */
async function openConsentForm(proxy: OAuthProxy) {
  const { consentUrl } = await start(proxy);
  const page = await proxy.handler(new Request(consentUrl));
  const jar = new CookieJar();
  jar.store(page);
  const form = parseForm(await page.text(), consentUrl)!;
  form.fields.set('decision', 'approve');
  return { form, jar };
}

const post = (proxy: OAuthProxy, url: string, body: URLSearchParams, cookie = '', origin = BASE) =>
  proxy.handler(
    new Request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin }, body }),
  );

describe('consent page', () => {
  it('shows the client name (escaped), the redirect host and the scopes, with anti-framing headers', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE, { consent: { scopeDescriptions: { read: 'Read your files' } } }));
    const { consentUrl } = await start(proxy, { client_name: '<script>alert(1)</script>Evil' });
    const res = await proxy.handler(new Request(consentUrl));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;Evil');
    expect(html).toContain('127.0.0.1:53682<small>an app on this computer</small>');
    expect(html).toContain('Read your files');
    expect(html).toContain('Test IdP');
    // Over plain http on loopback the cookies have plain names and no Secure flag.
    const [csrf] = res.headers.getSetCookie();
    expect(csrf).toMatch(/^mcp-auth-csrf-[\w-]+=[\w.-]+; Path=\/; Max-Age=900; HttpOnly; SameSite=Lax$/);
  });

  it('uses __Host- cookies with Secure over https', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, 'https://mcp.example.com'));
    const { consentUrl } = await start(proxy);
    const res = await proxy.handler(new Request(consentUrl));
    expect(res.headers.getSetCookie()[0]).toMatch(
      /^__Host-mcp-auth-csrf-[\w-]+=[\w.-]+; Path=\/; Max-Age=900; HttpOnly; SameSite=Lax; Secure$/,
    );
    const jar = new CookieJar();
    jar.store(res);
    const form = parseForm(await res.text(), consentUrl)!;
    form.fields.set('decision', 'approve');
    const approved = await post(proxy, form.action, form.fields, jar.header(), 'https://mcp.example.com');
    expect(approved.status).toBe(303);
    expect(approved.headers.getSetCookie().find((c) => c.startsWith('__Host-mcp-auth-bind-'))).toMatch(/HttpOnly; SameSite=Lax; Secure$/);
  });

  it('applies a CSP override', async () => {
    const proxy = new OAuthProxy(
      proxyOptions(h, BASE, { consent: { contentSecurityPolicy: "default-src 'self'; frame-ancestors 'none'" } }),
    );
    const { consentUrl } = await start(proxy);
    expect((await proxy.handler(new Request(consentUrl))).headers.get('content-security-policy')).toBe(
      "default-src 'self'; frame-ancestors 'none'",
    );
  });

  it('refuses a POST without the CSRF token, with a mismatched cookie, or from another origin', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const { form, jar } = await openConsentForm(proxy);
    const withoutToken = new URLSearchParams(form.fields);
    withoutToken.delete('csrf_token');
    expect((await post(proxy, form.action, withoutToken, jar.header())).status).toBe(403);
    expect((await post(proxy, form.action, form.fields, '')).status).toBe(403);
    const forged = new URLSearchParams(form.fields);
    forged.set('csrf_token', `${randomToken(16)}.${randomToken()}`);
    expect((await post(proxy, form.action, forged, jar.header())).status).toBe(403);
    expect((await post(proxy, form.action, form.fields, jar.header(), 'https://evil.example')).status).toBe(403);
    // The transaction survived the refused attempts: the genuine POST still works, once.
    expect((await post(proxy, form.action, form.fields, jar.header())).status).toBe(303);
    expect((await post(proxy, form.action, form.fields, jar.header())).status).toBe(400);
  });

  it('refuses oversized forms and duplicated fields', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const { form, jar } = await openConsentForm(proxy);
    const big = new URLSearchParams(form.fields);
    big.set('padding', 'x'.repeat(64 * 1024));
    expect((await post(proxy, form.action, big, jar.header())).status).toBe(413);
    const doubled = new URLSearchParams(form.fields);
    doubled.append('csrf_token', form.fields.get('csrf_token')!);
    expect((await post(proxy, form.action, doubled, jar.header())).status).toBe(403);
    expect((await post(proxy, form.action, form.fields, jar.header())).status).toBe(303);
  });

  it('a CSRF token of one transaction does not approve another', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const a = await start(proxy);
    const b = await start(proxy);
    const page = await proxy.handler(new Request(a.consentUrl));
    const jar = new CookieJar();
    jar.store(page);
    const form = parseForm(await page.text(), a.consentUrl)!;
    form.fields.set('decision', 'approve');
    form.fields.set('transaction', new URL(b.consentUrl).searchParams.get('transaction')!);
    expect((await post(proxy, form.action, form.fields, jar.header())).status).toBe(403);
  });

  it('deny returns access_denied to the client with state and iss', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const { consentUrl, client } = await start(proxy, {}, 'deny-state');
    const res = await submitConsent(proxy, consentUrl, new CookieJar(), 'deny');
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(client.redirect_uris[0]);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('deny-state');
    expect(location.searchParams.get('iss')).toBe(BASE);
  });

  it('an unknown transaction shows an error page and never redirects', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const res = await proxy.handler(new Request(`${BASE}/consent?transaction=nope`));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('upstream callback', () => {
  async function approved(proxy: OAuthProxy) {
    const { consentUrl } = await start(proxy);
    const jar = new CookieJar();
    const res = await submitConsent(proxy, consentUrl, jar, 'approve');
    return { jar, upstreamUrl: res.headers.get('location')! };
  }

  it('refuses a callback from a browser without the binding cookie (flow started elsewhere)', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const { upstreamUrl } = await approved(proxy);
    const callback = await h.login(upstreamUrl);
    const res = await proxy.handler(new Request(callback));
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
  });

  it('refuses the binding cookie of another flow, and a replayed state', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const first = await approved(proxy);
    const second = await approved(proxy);
    const callback = await h.login(first.upstreamUrl);
    expect((await proxy.handler(new Request(callback, { headers: { cookie: second.jar.header() } }))).status).toBe(403);
    // The state was consumed by that attempt: even the right browser cannot use it now.
    expect((await proxy.handler(new Request(callback, { headers: { cookie: first.jar.header() } }))).status).toBe(400);
  });

  it('passes an upstream access_denied on to the client', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const { jar, upstreamUrl } = await approved(proxy);
    const state = new URL(upstreamUrl).searchParams.get('state')!;
    const res = await proxy.handler(
      new Request(`${BASE}/auth/callback?error=access_denied&state=${state}`, { headers: { cookie: jar.header() } }),
    );
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('st-1');
  });

  it('an upstream that refuses the code exchange yields server_error at the client', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE));
    const { jar, upstreamUrl } = await approved(proxy);
    const state = new URL(upstreamUrl).searchParams.get('state')!;
    const res = await proxy.handler(new Request(`${BASE}/auth/callback?code=forged&state=${state}`, { headers: { cookie: jar.header() } }));
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('server_error');
  });
});

describe('consent modes', () => {
  it('off: no page, but the browser binding is still set', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE, { consent: { mode: 'off' } }));
    const { consentUrl } = await start(proxy);
    const res = await proxy.handler(new Request(consentUrl));
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).origin).toBe(h.issuer);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('mcp-auth-bind-'))).toBe(true);
  });

  it("forward: the upstream gets a PKCE challenge and the client's scopes by default, neither when turned off", async () => {
    const upstreamUrl = async (forward: OAuthProxyOptions['forward']) => {
      const proxy = new OAuthProxy(proxyOptions(h, BASE, { consent: { mode: 'off' }, forward }));
      const { consentUrl } = await start(proxy);
      return new URL((await proxy.handler(new Request(consentUrl))).headers.get('location')!).searchParams;
    };
    const defaults = await upstreamUrl(undefined);
    expect(defaults.get('code_challenge_method')).toBe('S256');
    expect(defaults.get('scope')!.split(' ')).toContain('read');
    const off = await upstreamUrl({ pkce: false, scopes: false });
    expect(off.has('code_challenge')).toBe(false);
    expect(off.get('scope')!.split(' ')).not.toContain('read');
  });

  it('remember: a remembered approval skips the page only for direct navigations', async () => {
    const proxy = new OAuthProxy(proxyOptions(h, BASE, { consent: { mode: 'remember' } }));
    const first = await start(proxy);
    const jar = new CookieJar();
    await submitConsent(proxy, first.consentUrl, jar, 'approve');
    expect(jar.header()).toContain('mcp-auth-approvals=');
    const again = async (site: string | null) => {
      const consentUrl = await proxy.authorize(first.client, {
        state: 's',
        scopes: ['read'],
        codeChallenge: await pkceChallenge(randomToken(48)),
        redirectUri: first.client.redirect_uris[0]!,
        redirectUriProvidedExplicitly: true,
      });
      const headers: Record<string, string> = { cookie: jar.header() };
      if (site) headers['sec-fetch-site'] = site;
      return (await proxy.handler(new Request(consentUrl, { headers }))).status;
    };
    expect(await again('none')).toBe(302);
    expect(await again('cross-site')).toBe(200);
    expect(await again(null)).toBe(200);
  });
});

describe('RememberedApprovals', () => {
  const approval = (i: number) => ({ clientId: `c${i}`, redirectUri: 'http://127.0.0.1/cb', scopes: ['read'] });

  it('is bounded, expires, and ignores tampered cookies', async () => {
    let now = 1_000;
    const approvals = new RememberedApprovals({ key: new Uint8Array(32).fill(7), maxEntries: 3, ttlSeconds: 100, now: () => now });
    let cookie: string | null = null;
    for (let i = 0; i < 5; i++) cookie = await approvals.add(cookie, approval(i));
    expect(await approvals.has(cookie, approval(0))).toBe(false);
    expect(await approvals.has(cookie, approval(4))).toBe(true);
    expect(await approvals.has(cookie, { ...approval(4), scopes: ['read', 'write'] })).toBe(false);
    const [payload, mac] = cookie!.split('.');
    expect(await approvals.has(`${payload}x.${mac}`, approval(4))).toBe(false);
    const other = new RememberedApprovals({ key: new Uint8Array(32).fill(8) });
    expect(await other.has(cookie, approval(4))).toBe(false);
    now += 101;
    expect(await approvals.has(cookie, approval(4))).toBe(false);
  });
});
