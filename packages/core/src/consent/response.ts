import { stylesCspSource } from './html.js';

/** Options of {@link htmlResponse}. */
export interface HtmlResponseOptions {
  status?: number | undefined;
  /** Replaces the default Content-Security-Policy. */
  contentSecurityPolicy?: string | undefined;
  /** Extra `form-action` sources (where the form's redirect may lead). */
  formActionSources?: readonly string[] | undefined;
  /** `Set-Cookie` values. */
  cookies?: readonly string[] | undefined;
}

/**
 * The default CSP of the consent pages: nothing may load except the page's own stylesheet (by
 * hash); forms post only to this origin and to where the answer redirects; no framing.
 */
export async function defaultContentSecurityPolicy(formActionSources: readonly string[] = []): Promise<string> {
  return [
    "default-src 'none'",
    `style-src ${await stylesCspSource()}`,
    `form-action 'self'${formActionSources.map((s) => ` ${s}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** An HTML response with the anti-framing and no-cache headers every consent-flow page carries. */
export async function htmlResponse(html: string, options: HtmlResponseOptions = {}): Promise<Response> {
  const headers = new Headers({
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    // same-origin: nothing leaks to other sites, and the form's POST keeps its real Origin header
    // (with no-referrer, browsers send `Origin: null`, which the consent handler refuses).
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy': options.contentSecurityPolicy ?? (await defaultContentSecurityPolicy(options.formActionSources)),
  });
  for (const c of options.cookies ?? []) headers.append('Set-Cookie', c);
  return new Response(html, { status: options.status ?? 200, headers });
}

/** A 303 redirect (after a POST) or 302 carrying cookies, with no-cache headers. */
export function redirectResponse(location: string, cookies: readonly string[] = [], status = 302): Response {
  const headers = new Headers({ Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
  for (const c of cookies) headers.append('Set-Cookie', c);
  return new Response(null, { status, headers });
}
