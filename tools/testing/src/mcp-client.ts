import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from '@modelcontextprotocol/client';
import { CookieJar, parseForm } from './oidc.js';

/**
 * An MCP SDK v2 `OAuthClientProvider` that keeps its client information, tokens, PKCE verifier and
 * discovery state in memory. Subclasses say how the user agent goes through authorization
 * (`redirectToAuthorization`) and put the authorization response's parameters in `callback`, for
 * `transport.finishAuth(callback)`.
 */
export abstract class MemoryOAuthClientProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  discovery: OAuthDiscoveryState | undefined;
  /** Query parameters of the last authorization response (code or error, state, iss). */
  callback: URLSearchParams | undefined;
  /** How many times authorization was started. */
  authorizations = 0;

  constructor(
    readonly redirectUrl: string,
    private readonly metadata: Partial<OAuthClientMetadata> = {},
    /** A Client ID Metadata Document URL to use as client id, when the server supports them. */
    readonly clientMetadataUrl?: string,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.metadata,
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'client') this.client = undefined;
  }

  abstract redirectToAuthorization(authorizationUrl: URL): Promise<void>;
}

/**
 * For an authorization server that approves without a page (auto-approve): fetches the
 * authorization URL, which must answer a redirect to `redirectUrl`, and keeps its parameters.
 */
export class HeadlessOAuthClientProvider extends MemoryOAuthClientProvider {
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizations++;
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`authorization answered ${res.status}: ${await res.text()}`);
    const target = new URL(location);
    if (`${target.origin}${target.pathname}` !== new URL(this.redirectUrl).href)
      throw new Error(`authorization redirected elsewhere: ${target.origin}${target.pathname}`);
    this.callback = target.searchParams;
  }
}

/**
 * The MCP SDK v2 client's whole OAuth sign-in at `mcpUrl`: the first connection must be refused
 * (401) and sends `provider` through authorization; the code it brings back is exchanged
 * (`finishAuth`), and a new client connects with the tokens. Throws when the authorization ends
 * without a code (with the error parameters it ended with).
 */
export async function signInWithOAuth(mcpUrl: string, provider: MemoryOAuthClientProvider, name = 'mcpauth-test'): Promise<Client> {
  const transport = () => new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const refused = await new Client({ name, version: '1.0.0' }).connect(transport()).then(
    () => false,
    (err: unknown) => err instanceof UnauthorizedError,
  );
  if (!refused) throw new Error('the first connection was not refused with 401');
  if (!provider.callback?.get('code')) throw new Error(`no code: ${provider.callback}`);
  await transport().finishAuth(provider.callback);
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(transport());
  return client;
}

/**
 * A browser for an OAuth proxy: follows the authorization URL to the proxy's consent page,
 * approves it (cookies kept, `Origin` sent), then follows every redirect (the upstream IdP's
 * authorize endpoint, which must redirect back at once, and the proxy's callback) until the
 * client's `redirectUrl`, whose parameters it keeps. `visited` lists every URL it went to.
 */
export class ConsentingOAuthClientProvider extends MemoryOAuthClientProvider {
  readonly jar = new CookieJar();
  /** Every URL the browser was sent to. */
  readonly visited: URL[] = [];

  async #get(url: URL): Promise<Response> {
    this.visited.push(url);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this.jar.header() } });
    this.jar.store(res);
    return res;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizations++;
    const authorize = await this.#get(authorizationUrl);
    if (authorize.status !== 302) throw new Error(`authorize answered ${authorize.status}: ${await authorize.text()}`);
    const consentUrl = new URL(authorize.headers.get('location')!, authorizationUrl);
    const page = await this.#get(consentUrl);
    const form = parseForm(await page.text(), consentUrl.href);
    if (!form) throw new Error(`no consent form (${page.status})`);
    form.fields.set('decision', 'approve');
    const decided = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.jar.header(), origin: consentUrl.origin },
      body: form.fields,
    });
    this.jar.store(decided);
    const target = new URL(this.redirectUrl);
    let next = new URL(decided.headers.get('location')!, consentUrl);
    for (let hops = 0; `${next.origin}${next.pathname}` !== `${target.origin}${target.pathname}`; hops++) {
      if (hops > 5) throw new Error(`too many redirects, at ${next.origin}${next.pathname}`);
      const res = await this.#get(next);
      if (res.status !== 302) throw new Error(`${next.pathname} answered ${res.status}: ${await res.text()}`);
      next = new URL(res.headers.get('location')!, next);
    }
    this.callback = next.searchParams;
  }
}

/**
 * The upstream authorization URL an OAuth proxy (with `consent: { mode: 'off' }`) sends the
 * browser to, reached in process through its Fetch `handler`: registers a public client for
 * `redirectUri` (DCR), sends an authorization request (PKCE S256, `scope`, `resource` = the MCP
 * URL under `baseUrl`), and follows the proxy's own redirects until it points elsewhere.
 */
export async function upstreamAuthorizationUrl(
  auth: { handler(request: Request): Promise<Response> },
  options: { baseUrl: string; redirectUri: string; scope: string; mcpPath?: string },
): Promise<URL> {
  const base = options.baseUrl.replace(/\/$/, '');
  const reg = await auth.handler(
    new Request(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [options.redirectUri], token_endpoint_auth_method: 'none' }),
    }),
  );
  if (reg.status !== 201) throw new Error(`register answered ${reg.status}: ${await reg.text()}`);
  const { client_id } = (await reg.json()) as { client_id: string };
  let url = new URL(`${base}/authorize`);
  const params = {
    response_type: 'code',
    client_id,
    redirect_uri: options.redirectUri,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    scope: options.scope,
    resource: `${base}${options.mcpPath ?? '/mcp'}`,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  for (let hops = 0; url.origin === new URL(base).origin; hops++) {
    if (hops > 3) throw new Error(`the proxy keeps redirecting to itself, at ${url.href}`);
    const res = await auth.handler(new Request(url));
    if (res.status !== 302) throw new Error(`${url.pathname} answered ${res.status}: ${await res.text()}`);
    url = new URL(res.headers.get('location')!, url);
  }
  return url;
}
