import { CookieJar, parseForm } from '@mcpauth/testing';

/** One HTML page the scripted browser saw, and what it submitted there. */
export interface VisitedPage {
  url: URL;
  status: number;
  html: string;
  submitted: URLSearchParams;
}

/** Options of {@link ScriptedBrowser}. */
export interface ScriptedBrowserOptions {
  /** Username and password for login forms (the local IdP accepts any). */
  login?: string;
  password?: string;
  /** The button to press on pages offering a choice (`<button name="decision" value="approve">`). */
  decision?: 'approve' | 'deny';
}

/**
 * A tiny browser for the OAuth pages: follows redirects, keeps cookies per origin, fills login
 * forms, presses the approve (or deny) button of consent pages, and stops at the client's
 * redirect URI, which it returns. Every page it saw is recorded for assertions.
 */
export class ScriptedBrowser {
  readonly #jars = new Map<string, CookieJar>();
  readonly pages: VisitedPage[] = [];

  constructor(private readonly options: ScriptedBrowserOptions = {}) {}

  #jar(url: URL): CookieJar {
    let jar = this.#jars.get(url.origin);
    if (!jar) {
      jar = new CookieJar();
      this.#jars.set(url.origin, jar);
    }
    return jar;
  }

  /** Walk from `start` until a URL beginning with `redirectUri` is reached; return that URL. */
  async walk(start: URL | string, redirectUri: string): Promise<URL> {
    let url = new URL(start);
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 30; hop++) {
      if (url.href.startsWith(redirectUri)) return url;
      const jar = this.#jar(url);
      const headers: Record<string, string> = { cookie: jar.header(), accept: 'text/html' };
      if (body) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers['origin'] = url.origin;
      }
      const res = await fetch(url, { method: body ? 'POST' : 'GET', redirect: 'manual', headers, body });
      jar.store(res);
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get('location')!, url);
        body = undefined;
        continue;
      }
      const html = await res.text();
      const form = parseForm(html, url.href);
      if (!form) throw new Error(`The browser is stuck at ${url.href} (${res.status}): ${html.slice(0, 400)}`);
      if (/name="login"/.test(html)) {
        form.fields.set('login', this.options.login ?? 'alice');
        form.fields.set('password', this.options.password ?? 'demo');
      }
      const choice = this.options.decision ?? 'approve';
      const button = new RegExp(`<button[^>]*name="([^"]+)"[^>]*value="${choice}"`, 'i').exec(html);
      if (button) form.fields.set(button[1]!, choice);
      this.pages.push({ url, status: res.status, html, submitted: form.fields });
      url = new URL(form.action);
      body = form.fields;
    }
    throw new Error('The browser did not reach the redirect URI within 30 steps');
  }
}
