import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';

/** Options of {@link startOidcProvider}. */
export interface OidcHarnessOptions {
  /** Statically registered clients (oidc-provider client metadata). */
  clients?: ClientMetadata[];
  /** Format of access tokens issued for a resource indicator. Default 'jwt'. */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** Resource indicator used when a request names none (client credentials, auth code). Default 'urn:test:api'. */
  defaultResource?: string;
  /** Scopes known for the resource server. Default 'read write admin'. */
  resourceScopes?: string;
  /** Access token lifetime in seconds. Default 3600. */
  accessTokenTtl?: number;
  /** Signing algorithm of JWT access tokens and the key type generated. Default 'RS256'. */
  alg?: 'RS256' | 'ES256';
  /** Turn on oidc-provider's DPoP (RFC 9449): a token request with a proof gets tokens bound to its key. */
  dpop?: boolean;
  /** Extra oidc-provider configuration, merged last. */
  configuration?: Partial<Configuration>;
  /**
   * oidc-provider with its default configuration: only the clients, the signing keys and a cookie
   * key are set (no resource indicators, no introspection, no revocation, its own scopes and
   * claims), as a new user would run it. The options above that configure features are ignored.
   */
  stock?: boolean;
}

/** A running oidc-provider on loopback. */
export interface OidcHarness {
  /** Issuer URL, `http://127.0.0.1:<port>`. */
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  authorizationEndpoint: string;
  /** The oidc-provider instance currently serving (replaced by {@link OidcHarness.rotateKeys}). */
  provider: Provider;
  /** Public JWKs currently served. */
  publicKeys(): JWK[];
  /** Get a client-credentials access token. */
  clientCredentialsToken(params: { clientId: string; clientSecret: string; scope?: string; resource?: string }): Promise<{
    access_token: string;
    expires_in: number;
    scope?: string;
    token_type: string;
  }>;
  /** Add a new signing key (used from now on) while keeping the old ones in the JWKS. */
  rotateKeys(): Promise<void>;
  /** Make the JWKS endpoint fail (`'down'`: connection reset; `'hang'`: never answers) or work again. */
  setJwksMode(mode: 'up' | 'down' | 'hang'): void;
  /** How many times the JWKS endpoint was requested. */
  jwksRequests(): number;
  /** Walk an authorization URL through the provider's development login and consent. */
  login(authorizationUrl: string | URL, options?: { login?: string; password?: string }): Promise<URL>;
  close(): Promise<void>;
}

async function newKey(alg: 'RS256' | 'ES256', index: number): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg, use: 'sig', kid: `test-key-${index}-${Math.random().toString(36).slice(2, 8)}` };
}

/**
 * Start a certified OpenID provider (`oidc-provider`) on a free loopback port, with development
 * interactions (any login/password), introspection, revocation, client credentials, refresh
 * tokens, and resource indicators issuing JWT or opaque access tokens.
 */
export async function startOidcProvider(options: OidcHarnessOptions = {}): Promise<OidcHarness> {
  const alg = options.alg ?? 'RS256';
  const keys: JWK[] = [await newKey(alg, 0)];
  const defaultResource = options.defaultResource ?? 'urn:test:api';
  let jwksMode: 'up' | 'down' | 'hang' = 'up';
  let jwksCount = 0;
  const hanging = new Set<ServerResponse>();

  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/jwks')) {
      jwksCount++;
      if (jwksMode === 'down') {
        req.socket.destroy();
        return;
      }
      if (jwksMode === 'hang') {
        hanging.add(res);
        return;
      }
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const build = () => {
    if (options.stock) {
      const stock = new Provider(issuer, {
        clients: options.clients ?? [],
        jwks: { keys: [...keys].reverse() as never },
        cookies: { keys: ['test-cookie-key-0123456789'] },
      });
      stock.on('server_error', () => undefined);
      return stock;
    }
    const configuration: Configuration = {
      clients: options.clients ?? [],
      jwks: { keys: [...keys].reverse() as never },
      cookies: { keys: ['test-cookie-key-0123456789'] },
      scopes: ['openid', 'offline_access', 'profile', 'email'],
      claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
      findAccount: async (_ctx, sub) => ({
        accountId: sub,
        claims: async () => ({ sub, name: `User ${sub}`, email: `${sub}@example.test`, email_verified: true }),
      }),
      features: {
        devInteractions: { enabled: true },
        introspection: { enabled: true },
        revocation: { enabled: true },
        clientCredentials: { enabled: true },
        ...(options.dpop ? { dPoP: { enabled: true } } : {}),
        resourceIndicators: {
          enabled: true,
          defaultResource: (_ctx, _client, oneOf) => (oneOf && oneOf.length > 0 ? oneOf : defaultResource) as never,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resourceIndicator) => ({
            scope: options.resourceScopes ?? 'read write admin',
            audience: resourceIndicator,
            accessTokenFormat: options.accessTokenFormat ?? 'jwt',
            accessTokenTTL: options.accessTokenTtl ?? 3600,
            jwt: { sign: { alg } },
          }),
        },
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      pkce: { required: () => false },
      ttl: {
        AccessToken: options.accessTokenTtl ?? 3600,
        ClientCredentials: options.accessTokenTtl ?? 3600,
        RefreshToken: 14 * 24 * 3600,
        Grant: 14 * 24 * 3600,
        Interaction: 3600,
        Session: 14 * 24 * 3600,
        AuthorizationCode: 600,
        IdToken: 3600,
      },
      ...options.configuration,
    };
    const provider = new Provider(issuer, configuration);
    provider.on('server_error', () => undefined);
    return provider;
  };

  let provider = build();
  handler = provider.callback() as never;

  const harness: OidcHarness = {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    authorizationEndpoint: `${issuer}/auth`,
    get provider() {
      return provider;
    },
    publicKeys: () => keys.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }) => pub),
    async clientCredentialsToken({ clientId, clientSecret, scope, resource }) {
      const body = new URLSearchParams({ grant_type: 'client_credentials' });
      if (scope) body.set('scope', scope);
      body.set('resource', resource ?? defaultResource);
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
        },
        body,
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`client_credentials failed: ${JSON.stringify(json)}`);
      return json as never;
    },
    async rotateKeys() {
      keys.push(await newKey(alg, keys.length));
      provider = build();
      handler = provider.callback() as never;
    },
    setJwksMode(mode) {
      jwksMode = mode;
      if (mode !== 'hang') {
        for (const res of hanging) res.destroy();
        hanging.clear();
      }
    },
    jwksRequests: () => jwksCount,
    login: (url, opts) => walkLogin(issuer, url, opts),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return harness;
}

/** A tiny cookie jar: name → value, sent to every URL of one origin. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const NAMED_REFERENCES: Readonly<Record<string, string>> = { amp: '&', quot: '"', lt: '<', gt: '>', apos: "'" };

/**
 * Decode the character references of an HTML attribute value in one pass (so `&amp;lt;` stays
 * `&lt;`): the named ones an HTML escape writes (`&amp;` `&quot;` `&lt;` `&gt;` `&apos;`, with their
 * `;`), and decimal and hex references (`&#39;`, `&#x27;`; the `;` may be missing), where a code
 * point that is zero, a surrogate or beyond U+10FFFF becomes U+FFFD. Anything else is left as it is.
 *
 * @example
 * ```ts
 * decodeHtmlAttribute('a&amp;b &#39;c&#x27; &lt;d&gt;'); // "a&b 'c' <d>"
 * ```
 * @see https://html.spec.whatwg.org/multipage/parsing.html#character-reference-state
 */
export function decodeHtmlAttribute(value: string): string {
  return value.replace(/&(?:#(\d+);?|#[xX]([0-9a-fA-F]+);?|([a-zA-Z]+);)/g, (reference, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED_REFERENCES[name] ?? reference;
    const codePoint = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex!, 16);
    const invalid = codePoint === 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff);
    return String.fromCodePoint(invalid ? 0xfffd : codePoint);
  });
}

/** Parse the first HTML form of a page: its action and its named input values (character references decoded). */
export function parseForm(html: string, baseUrl: string): { action: string; fields: URLSearchParams } | null {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return null;
  const fields = new URLSearchParams();
  for (const m of form[2]!.matchAll(/<input[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (name) fields.set(decodeHtmlAttribute(name), decodeHtmlAttribute(value));
  }
  return { action: new URL(decodeHtmlAttribute(form[1]!), baseUrl).href, fields };
}

async function walkLogin(issuer: string, start: string | URL, opts: { login?: string; password?: string } = {}): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(start);
  let method: 'GET' | 'POST' = 'GET';
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin !== new URL(issuer).origin) return url;
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    jar.store(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    const form = parseForm(html, url.href);
    if (!form) throw new Error(`login walk stuck at ${url.pathname} (${res.status}): ${html.slice(0, 300)}`);
    if (form.fields.has('login') || /name="login"/.test(html)) {
      form.fields.set('login', opts.login ?? 'alice');
      form.fields.set('password', opts.password ?? 'secret');
    }
    url = new URL(form.action);
    method = 'POST';
    body = form.fields;
  }
  throw new Error('login walk did not reach the client redirect');
}
