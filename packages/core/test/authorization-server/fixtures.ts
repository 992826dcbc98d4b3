/**
 * Shared set-up of the authorization-server tests: an authorization server over a real
 * `StoreOAuthProvider`, called in process (`direct`) or served over HTTP next to an SDK v2
 * MCP server (`startStack`), plus the helpers that drive the OAuth flow by hand.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes, createHash } from 'node:crypto';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import type { Listening } from '@mcpauth/testing';
import {
  StoreOAuthProvider,
  MemoryStore,
  ProviderTokenVerifier,
  createAuthorizationServer,
  createBearerGuard,
  createProtectedResourceMetadata,
  routeRequest,
  type AuthorizationServer,
  type AuthorizationServerOptions,
  type FetchHandler,
  type StoreOAuthProviderOptions,
  type KeyValueStore,
  type ClientCredentialsHook,
  type IdentityAssertionOptions,
} from '../../src/index.js';
import { toAuthInfo } from '../../src/mcp.js';
import { toNodeHandler } from '../../src/node.js';

export const SCOPE = 'mcp:tools';

/** A clock in seconds that tests move forward instead of sleeping. */
export class TestClock {
  seconds = Math.floor(Date.now() / 1000);
  readonly now = (): number => this.seconds;
  advance(seconds: number): void {
    this.seconds += seconds;
  }
}

/** An authorization server over a store-backed provider, called in process. */
export interface Direct {
  issuer: string;
  resourceUrl: string;
  as: AuthorizationServer;
  provider: StoreOAuthProvider;
  clock: TestClock;
  store: KeyValueStore;
  /** Send a request to the server's handler. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export interface DirectOptions {
  issuer?: string;
  store?: KeyValueStore;
  /** `maxEntriesPerCollection` of the default memory store. */
  boundPerCollection?: number;
  provider?: Partial<StoreOAuthProviderOptions>;
  server?: Partial<AuthorizationServerOptions>;
  /** Build the provider (to test a subclass). */
  makeProvider?: (options: StoreOAuthProviderOptions) => StoreOAuthProvider;
}

export function direct(options: DirectOptions = {}): Direct {
  const clock = new TestClock();
  const issuer = options.issuer ?? 'http://127.0.0.1:9999';
  const resourceUrl = `${issuer}/mcp`;
  const store = options.store ?? new MemoryStore({ now: clock.now, maxEntriesPerCollection: options.boundPerCollection });
  const providerOptions = { issuerUrl: issuer, store, now: clock.now, ...options.provider };
  const provider = options.makeProvider ? options.makeProvider(providerOptions) : new StoreOAuthProvider(providerOptions);
  const as = createAuthorizationServer({
    provider,
    issuerUrl: issuer,
    scopesSupported: [SCOPE, 'mcp:admin'],
    resourceUrl,
    now: clock.now,
    ...options.server,
  });
  return {
    issuer,
    resourceUrl,
    as,
    provider,
    clock,
    store,
    fetch: (path, init) => as.handler(new Request(new URL(path, issuer), init)),
  };
}

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function form(params: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  };
}

export function basic(id: string, secret: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` };
}

export interface Registered {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  [k: string]: unknown;
}

export const REDIRECT = 'http://127.0.0.1:7777/callback';

/** Register a client through `/register` and return the response body. */
export async function register(d: Pick<Direct, 'fetch'>, metadata: Record<string, unknown> = {}): Promise<Registered> {
  const res = await d.fetch('/register', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      ...metadata,
    }),
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Registered;
}

/** Run `/authorize` for a client and return the redirect's query parameters. */
export async function authorize(
  d: Pick<Direct, 'fetch'>,
  clientId: string,
  extra: Record<string, string> = {},
): Promise<{ params: URLSearchParams; location: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-1',
    scope: SCOPE,
    ...extra,
  });
  const res = await d.fetch(`/authorize?${query}`);
  if (res.status !== 302) throw new Error(`authorize failed: ${res.status} ${await res.text()}`);
  const location = res.headers.get('location')!;
  return { params: new URL(location).searchParams, location, verifier };
}

/** Register a public client, authorize, and return what is needed to redeem the code. */
export async function codeFor(
  d: Direct,
  metadata: Record<string, unknown> = {},
): Promise<{ client: Registered; code: string; verifier: string }> {
  const client = await register(d, metadata);
  const { params, verifier } = await authorize(d, client.client_id);
  return { client, code: params.get('code')!, verifier };
}

/** Redeem a code at `/token`. */
export function redeem(
  d: Pick<Direct, 'fetch'>,
  clientId: string,
  code: string,
  verifier: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  return d.fetch(
    '/token',
    form(
      { grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: REDIRECT, ...extra },
      headers,
    ),
  );
}

// --- the HTTP stack: authorization server + RFC 9728 metadata + bearer guard + SDK v2 MCP server ---

export interface Stack {
  url: string;
  mcpUrl: string;
  provider: StoreOAuthProvider;
  as: AuthorizationServer;
  clock: TestClock;
  close(): Promise<void>;
}

/** Serve the whole stack over HTTP on a loopback port. */
export async function startStack(
  options: {
    cimd?: AuthorizationServerOptions['cimd'];
    clientCredentials?: ClientCredentialsHook;
    /** The jwt-bearer grant with ID-JAGs (SEP-990). */
    identityAssertions?: IdentityAssertionOptions;
    /** DPoP at `/token` (AS) and at the MCP endpoint (guard). */
    dpop?: { required?: boolean };
  } = {},
): Promise<Stack> {
  const clock = new TestClock();
  let app: FetchHandler = async () => new Response('starting', { status: 503 });
  const { listen } = await import('@mcpauth/testing');
  const server = await listen(toNodeHandler((request) => app(request)));
  const url = server.url;
  const mcpUrl = `${url}/mcp`;
  const provider = new StoreOAuthProvider({
    issuerUrl: url,
    store: new MemoryStore({ now: clock.now }),
    now: clock.now,
    accessTokenTtl: 600,
    clientCredentials: options.clientCredentials,
    identityAssertions: options.identityAssertions,
  });
  const as = createAuthorizationServer({
    provider,
    issuerUrl: url,
    scopesSupported: [SCOPE],
    resourceUrl: mcpUrl,
    cimd: options.cimd,
    dpop: options.dpop === undefined ? undefined : {},
    now: clock.now,
  });
  const prm = createProtectedResourceMetadata({ resource: mcpUrl, authorizationServers: [url], scopesSupported: [SCOPE] });
  const guard = createBearerGuard({
    verifier: new ProviderTokenVerifier(provider),
    resourceMetadataUrl: prm.url,
    requiredScopes: [SCOPE],
    expectedResource: mcpUrl,
    dpop: options.dpop,
    now: clock.now,
  });
  const mcp = createMcpHandler(() => {
    const mcpServer = new McpServer({ name: 'auth-test', version: '1.0.0' });
    mcpServer.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      return {
        content: [
          { type: 'text', text: JSON.stringify({ clientId: info?.clientId, subject: info?.extra?.['subject'], scopes: info?.scopes }) },
        ],
      };
    });
    return mcpServer;
  });
  const routes = [...as.routes, prm.route];
  app = async (request) => {
    const routed = await routeRequest(routes, request);
    if (routed) return routed;
    if (new URL(request.url).pathname !== '/mcp') return new Response('not found', { status: 404 });
    const token = await guard(request);
    if (token instanceof Response) return token;
    return mcp.fetch(request, { authInfo: toAuthInfo(token) });
  };
  return {
    url,
    mcpUrl,
    provider,
    as,
    clock,
    close: async () => {
      await mcp.close();
      await server.close();
    },
  };
}

// --- TLS on loopback, for Client ID Metadata Documents (the SDK requires https client ids) ---

export interface ServeOptions {
  headers?: Record<string, string>;
  status?: number;
  hang?: boolean;
}

/** A made-up host name the TLS server's certificate also names (tests resolve it themselves). */
export const TLS_TEST_HOST = 'docs.example.test';

export interface TlsServer extends Listening {
  /** A fetch that trusts this server's self-signed certificate. */
  fetch: typeof fetch;
  /** The server's self-signed certificate (PEM), valid for 127.0.0.1, localhost and {@link TLS_TEST_HOST}. */
  cert: string;
  /** Set what is served at a path (`null`: 404); `hang` never answers. */
  serve(path: string, body: string | null, options?: ServeOptions): void;
  /** Requests received per path. */
  hits(path: string): number;
}

/** An https server on 127.0.0.1 with a throw-away self-signed certificate (made with openssl). */
export async function startTlsServer(): Promise<TlsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'as-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${TLS_TEST_HOST}`,
      ],
      { stdio: 'ignore' },
    );
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const documents = new Map<string, { body: string; options: ServeOptions }>();
    const hits = new Map<string, number>();
    const server = createHttpsServer({ key, cert }, (req, res) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const doc = documents.get(path);
      if (!doc) {
        res.writeHead(404).end();
        return;
      }
      if (doc.options.hang) return;
      res.writeHead(doc.options.status ?? 200, { 'Content-Type': 'application/json', ...doc.options.headers }).end(doc.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const tlsFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
      return new Promise<Response>((resolve, reject) => {
        const req = httpsRequest(
          request.url,
          { method: request.method, headers: Object.fromEntries(request.headers), ca: cert, signal: request.signal },
          (res) => {
            const headers = new Headers();
            for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
            const status = res.statusCode ?? 500;
            const nullBody = [101, 204, 205, 304].includes(status);
            if (nullBody) res.resume();
            resolve(new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream), { status, headers }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    }) as typeof fetch;
    return {
      url: `https://127.0.0.1:${port}`,
      port,
      fetch: tlsFetch,
      cert,
      serve: (path, body, options = {}) => (body === null ? documents.delete(path) : documents.set(path, { body, options })),
      hits: (path) => hits.get(path) ?? 0,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
