import { isAuthError, type AuthProvider, type FetchHandler, type KeyValueStore } from '@mcpauth/core';
import { FileStore } from '@mcpauth/core/node';
import { RedisStore } from '@mcpauth/redis';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { createMcpHandler, hostHeaderValidationResponse, localhostAllowedHostnames } from '@modelcontextprotocol/server';
import { ConfigError, readVariables, type DemoConfig, type Env } from './config.js';
import { createMcpServer, toolList } from './mcp/tools.js';
import { homePage, type DemoInfo } from './page.js';
import { findProvider } from './providers/index.js';
import type { ProviderContext } from './providers/provider.js';

/** The path of the MCP endpoint. */
export const MCP_PATH = '/mcp';

/** A configured demo: one Fetch handler for everything, what it shows, and its shutdown. */
export interface Demo {
  handler: FetchHandler;
  auth: AuthProvider;
  info: DemoInfo;
  close(): Promise<void>;
}

/** The store `DEMO_STORE` names, and how to close it; `undefined` for memory (each provider's default). */
async function openStore(setting: DemoConfig['store']): Promise<{ store: KeyValueStore; close(): Promise<void> } | undefined> {
  if (setting.kind === 'memory') return undefined;
  if (setting.kind === 'file') {
    const store = new FileStore({ path: setting.path });
    return { store, close: async () => undefined };
  }
  const redis = new RedisStore({ url: setting.url, onError: (err) => console.warn(`[store] ${err.message}`) });
  return { store: redis, close: () => redis.close() };
}

/**
 * Build the demo for a public origin: select the provider, create its auth set-up, and put the
 * MCP server behind its guard.
 */
export async function createDemo(config: DemoConfig, origin: string, env: Env): Promise<Demo> {
  const entry = findProvider(config.provider);
  const closers: (() => Promise<void> | void)[] = [];
  const notes: string[] = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn();
  };
  const mcpUrl = `${origin}${MCP_PATH}`;
  const store = await openStore(config.store);
  if (store) closers.push(() => store.close());
  const context: ProviderContext = {
    env: readVariables(entry.variables, env, `AUTH_PROVIDER=${entry.name}`),
    baseUrl: origin,
    mcpPath: MCP_PATH,
    mcpUrl,
    scopes: { admin: config.adminScope },
    store: store?.store,
    signingKey: config.signingKey,
    dpop: { required: config.requireDpop },
    grantScopes: ({ requested, upstream, upstreamClaims }) => {
      const names = [upstream.subject, ...['sub', 'preferred_username', 'login', 'email'].map((c) => upstreamClaims[c])];
      const isAdmin = names.some((n) => (typeof n === 'string' || typeof n === 'number') && config.admins.includes(String(n)));
      return isAdmin ? requested : requested.filter((s) => s !== config.adminScope);
    },
    allowedRedirectUris: config.allowedRedirectUris,
    onClose: (fn) => void closers.push(fn),
    note: (line) => void notes.push(line),
    onAuthError: (error) =>
      console.warn(`[auth] ${isAuthError(error) ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}`),
  };

  let auth: AuthProvider;
  try {
    auth = await entry.create(context);
    // Finish the set-up now (keys, discovery), so a bad configuration stops the start.
    await auth.ready();
  } catch (err) {
    await close();
    // Provider classes reject bad options with a TypeError: that is a configuration problem too.
    if (err instanceof TypeError || err instanceof ConfigError) throw new ConfigError(`AUTH_PROVIDER=${entry.name}: ${err.message}`);
    throw err;
  }

  const startedAt = Date.now();
  const mcp = createMcpHandler(() => createMcpServer({ provider: entry.name, adminScope: config.adminScope, auth, startedAt }));
  closers.push(() => mcp.close());

  const wellKnown = auth.routes
    .map((r) => r.path)
    .filter((p) => p.startsWith('/.well-known/') && `${origin}${p}` !== auth.resourceMetadataUrl);
  const info: DemoInfo = {
    provider: { name: entry.name, title: entry.title },
    mcpUrl,
    metadata: [
      { label: 'Resource metadata', url: auth.resourceMetadataUrl },
      ...wellKnown.map((p) => ({ label: p.includes('openid') ? 'OpenID configuration' : 'Auth server metadata', url: `${origin}${p}` })),
    ],
    authorizationServers: [...auth.authorizationServers],
    tools: toolList(config.adminScope),
    notes,
  };
  const page = homePage(info);

  // DNS-rebinding protection: only answer requests addressed to our own host name.
  const allowedHosts = [...new Set([new URL(origin).hostname, ...localhostAllowedHostnames()])];

  // The home page; every other path answers 404.
  const home: FetchHandler = async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
      return new Response(request.method === 'HEAD' ? null : page, {
        headers: {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
          'X-Frame-Options': 'DENY',
          'X-Content-Type-Options': 'nosniff',
        },
      });
    }
    return Response.json(
      { error: 'not_found', error_description: `Nothing at ${pathname}; the MCP endpoint is ${MCP_PATH}` },
      { status: 404 },
    );
  };
  // Auth routes, the guarded MCP endpoint (with CORS for browser clients such as the Inspector), then the page.
  const app = createMcpAuthHandler({ auth, mcp, fallback: home });
  const handler: FetchHandler = async (request) => hostHeaderValidationResponse(request, allowedHosts) ?? app(request);

  return { handler, auth, info, close };
}
