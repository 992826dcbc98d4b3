/**
 * The HTML of the packages, in one place: the consent page and every error page (the
 * authorization endpoint's, the consent route's, the proxy callback's) share one escape, one page
 * shell and one set of security headers, with a Content-Security-Policy that lets a page load
 * nothing but its own stylesheet (allowed by hash).
 *
 * @module
 */

/**
 * Escape text for HTML element content and quoted attribute values: `&`, `<`, `>`, `"`, `'` and
 * `` ` `` become character references. Not for URLs in `href` (check their scheme first), nor
 * for script or style content.
 *
 * @example
 * ```ts
 * const row = `<td>${escapeHtml(clientName)}</td>`; // '<td>&#60;script&#62;…</td>' for '<script>…'
 * ```
 * @see https://html.spec.whatwg.org/multipage/syntax.html#character-references
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The stylesheet of every page (allowed by its hash in the CSP). */
export const STYLES = `
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1c2430;--muted:#5b6675;--line:#e3e6eb;--accent:#2456d6;--accent-text:#fff;--warn-bg:#fff7e6;--warn-line:#f3d28b;--warn-text:#6b4a00;--code:#f1f3f6}
@media (prefers-color-scheme:dark){:root{--bg:#0f1318;--card:#171c23;--text:#e7ebf0;--muted:#9aa5b3;--line:#2a313b;--accent:#5b8cff;--accent-text:#0b1020;--warn-bg:#2b2413;--warn-line:#5c4a1c;--warn-text:#f1d497;--code:#222933}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{width:100%;max-width:440px;background:var(--card);border:1px solid var(--line);border-radius:14px;box-shadow:0 8px 30px rgba(16,24,40,.08);padding:32px}
.mark{width:44px;height:44px;border-radius:12px;background:var(--accent);color:var(--accent-text);display:flex;align-items:center;justify-content:center;margin-bottom:16px}
.eyebrow{margin:0 0 4px;color:var(--muted);font-size:13px;font-weight:600;letter-spacing:.02em;text-transform:uppercase}
h1{margin:0 0 20px;font-size:21px;line-height:1.35;font-weight:650}
h2{margin:22px 0 8px;font-size:13px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.02em}
.notice{margin:0 0 20px;padding:12px 14px;border:1px solid var(--warn-line);background:var(--warn-bg);color:var(--warn-text);border-radius:10px;font-size:14px}
dl{margin:0;border:1px solid var(--line);border-radius:10px}
dl div{display:flex;justify-content:space-between;gap:16px;padding:10px 14px}
dl div+div{border-top:1px solid var(--line)}
dt{color:var(--muted);white-space:nowrap}
dd{margin:0;text-align:right;font-weight:550;overflow-wrap:anywhere}
dd small{display:block;font-weight:400;color:var(--muted);font-size:13px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--code);padding:2px 6px;border-radius:6px}
ul{margin:0;padding:0;list-style:none}
li{padding:8px 0;border-bottom:1px solid var(--line);display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
li:last-child{border-bottom:0}
li span{color:var(--muted);font-size:14px}
.actions{display:flex;gap:12px;margin-top:26px}
button{flex:1;font:inherit;font-weight:600;padding:11px 16px;border-radius:10px;cursor:pointer;border:1px solid var(--line);background:transparent;color:var(--text)}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-text)}
button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
footer{margin-top:20px;color:var(--muted);font-size:13px}
`.trim();

/**
 * The CSP source of {@link STYLES}: its SHA-256, written out so that headers are built
 * synchronously (`test/html.test.ts` recomputes it: change both together).
 */
export const STYLES_CSP_SOURCE = "'sha256-CHXLXdkhRik7l68Z8//tWCPkOsZpZyOUdKxXHKjppSk='";

/** A lock icon, inline (no external resources on these pages). */
export const LOCK_ICON =
  '<svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="4" y="11" width="16" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/></svg>';

/** A complete page: `title` (text) and `body` (HTML, escaped by the caller). */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLES}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

/** A paragraph of a {@link messagePage}: text, or an identifier shown as code (an OAuth `error`). */
export type MessageParagraph = string | { code: string };

/** A page that only tells the user something (every error page): a title and paragraphs of text, all escaped. */
export function messagePage(title: string, paragraphs: readonly MessageParagraph[]): string {
  const body = paragraphs.map((p) => (typeof p === 'string' ? `<p>${escapeHtml(p)}</p>` : `<p><code>${escapeHtml(p.code)}</code></p>`));
  return htmlPage(title, [`<div class="mark">${LOCK_ICON}</div>`, `<h1>${escapeHtml(title)}</h1>`, ...body].join('\n'));
}

/**
 * The default Content-Security-Policy of a page: nothing may load except the page's stylesheet;
 * forms post only to this origin and `formActionSources` (where a form's redirect may lead), or
 * nowhere with `'none'`; no framing; no `<base>`.
 */
export function contentSecurityPolicy(formActionSources: readonly string[] | 'none' = []): string {
  const formAction = formActionSources === 'none' ? "'none'" : `'self'${formActionSources.map((s) => ` ${s}`).join('')}`;
  return [
    "default-src 'none'",
    `style-src ${STYLES_CSP_SOURCE}`,
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Options of {@link htmlResponse}. */
export interface HtmlResponseOptions {
  status?: number | undefined;
  /** Replaces the default Content-Security-Policy. */
  contentSecurityPolicy?: string | undefined;
  /** Where the page's forms may post besides this origin, or `'none'` for a page without forms (default: this origin only). */
  formActionSources?: readonly string[] | 'none' | undefined;
  /** `Set-Cookie` values. */
  cookies?: readonly string[] | undefined;
  /** More headers (the security headers win over them). */
  headers?: HeadersInit | undefined;
}

/** A page as a response, with the security headers every page carries: no caching, no framing, no sniffing, the CSP. */
export function htmlResponse(html: string, options: HtmlResponseOptions = {}): Response {
  const headers = new Headers(options.headers);
  const security = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    // same-origin: nothing leaks to other sites, and a form's POST keeps its real Origin header
    // (with no-referrer, browsers send `Origin: null`, which the consent handler refuses).
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy': options.contentSecurityPolicy ?? contentSecurityPolicy(options.formActionSources),
  };
  for (const [name, value] of Object.entries(security)) headers.set(name, value);
  for (const c of options.cookies ?? []) headers.append('Set-Cookie', c);
  return new Response(html, { status: options.status ?? 200, headers });
}
