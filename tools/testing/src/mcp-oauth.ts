import type { OAuthClientMetadata } from '@modelcontextprotocol/client';
import { MemoryOAuthClientProvider } from './mcp-client.js';
import { CookieJar, parseForm } from './oidc.js';

/** Options of {@link ScriptedOAuthClient}. */
export interface ScriptedOAuthClientOptions {
  /** The client's redirect URI (nothing needs to listen there). */
  redirectUri: string;
  /** Origin of the upstream identity provider, whose pages `login` walks. */
  upstreamOrigin?: string;
  /** Walks the upstream login and consent, returning the URL it redirects to (`OidcHarness.login`). */
  login?: (url: URL) => Promise<URL>;
  /** The button pressed on consent pages. Default `approve`. */
  decision?: 'approve' | 'deny';
  /** Client metadata sent at registration, over the defaults (public client, code + refresh). */
  metadata?: Partial<OAuthClientMetadata>;
}

/**
 * An MCP SDK v2 `OAuthClientProvider` whose "browser" follows the authorization URL headlessly
 * through an OAuth proxy: the authorize endpoint, the consent page (its first form, submitting
 * `decision`), the upstream login (scripted by `login`), and the proxy's callback, up to the
 * redirect URI, whose query it keeps in `callback`. Cookies are kept (consent CSRF, browser
 * binding); requests carry `Sec-Fetch-Site: none` like a browser opened by the client.
 */
export class ScriptedOAuthClient extends MemoryOAuthClientProvider {
  readonly jar = new CookieJar();
  readonly #o: ScriptedOAuthClientOptions;

  constructor(options: ScriptedOAuthClientOptions) {
    super(options.redirectUri, options.metadata);
    this.#o = options;
  }

  async #send(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('cookie', this.jar.header());
    headers.set('sec-fetch-site', 'none');
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.jar.store(res);
    return res;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizations++;
    let url = authorizationUrl;
    for (let hop = 0; hop < 10; hop++) {
      if (`${url.origin}${url.pathname}` === new URL(this.redirectUrl).href) {
        this.callback = url.searchParams;
        return;
      }
      if (this.#o.upstreamOrigin && url.origin === this.#o.upstreamOrigin) {
        if (!this.#o.login) throw new Error('reached the upstream but no login script was given');
        url = await this.#o.login(url);
        continue;
      }
      const res = await this.#send(url);
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get('location')!, url);
        continue;
      }
      const form = parseForm(await res.text(), url.href);
      if (res.status !== 200 || !form) throw new Error(`stuck at ${url.pathname} (${res.status})`);
      form.fields.set('decision', this.#o.decision ?? 'approve');
      const decided = await this.#send(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(form.action).origin },
        body: form.fields,
      });
      if (decided.status < 300 || decided.status >= 400) throw new Error(`consent answered ${decided.status}`);
      url = new URL(decided.headers.get('location')!, form.action);
    }
    throw new Error('authorization did not reach the redirect URI');
  }
}
