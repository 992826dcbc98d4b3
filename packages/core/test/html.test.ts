import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../src/kit.js';
import { STYLES, STYLES_CSP_SOURCE, contentSecurityPolicy, htmlResponse, messagePage } from '../src/http/html.js';

describe('escapeHtml', () => {
  it('escapes every character that can leave text or a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>\`&\``)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#96;&#38;&#96;');
    expect(escapeHtml('plain text, 100% safe')).toBe('plain text, 100% safe');
  });
});

describe('page CSP', () => {
  it('allows the stylesheet by its real hash', async () => {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(STYLES));
    expect(STYLES_CSP_SOURCE).toBe(`'sha256-${Buffer.from(digest).toString('base64')}'`);
    expect(contentSecurityPolicy()).toContain(`style-src ${STYLES_CSP_SOURCE}`);
  });

  it("lets forms post to this origin and the sources given, or nowhere with 'none'", () => {
    expect(contentSecurityPolicy(['https://idp.example.com', 'cursor:'])).toContain("form-action 'self' https://idp.example.com cursor:");
    expect(contentSecurityPolicy('none')).toContain("form-action 'none'");
    expect(contentSecurityPolicy()).toMatch(/^default-src 'none'; .*frame-ancestors 'none'; base-uri 'none'$/);
  });
});

describe('htmlResponse', () => {
  it('carries the security headers, which extra headers cannot weaken', async () => {
    const res = htmlResponse(messagePage('Nope <b>', ['a <script>', { code: 'invalid_request' }]), {
      status: 400,
      formActionSources: 'none',
      headers: { 'X-Frame-Options': 'ALLOWALL', 'X-Extra': '1' },
      cookies: ['a=1', 'b=2'],
    });
    expect(res.status).toBe(400);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'x-extra': '1',
    });
    expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy('none'));
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const html = await res.text();
    expect(html).toContain('<title>Nope &#60;b&#62;</title>');
    expect(html).toContain('<p>a &#60;script&#62;</p>');
    expect(html).toContain('<p><code>invalid_request</code></p>');
    expect(html).not.toContain('<script>');
  });

  it('takes a CSP override as is', () => {
    expect(htmlResponse('<p>x</p>', { contentSecurityPolicy: "default-src 'self'" }).headers.get('content-security-policy')).toBe(
      "default-src 'self'",
    );
  });
});
