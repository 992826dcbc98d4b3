import type { IncomingMessage, ServerResponse } from 'node:http';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { McpServer, createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { listen, type Listening } from './listen.js';
import type { MemoryOAuthClientProvider } from './mcp-client.js';
import type { ReportedError } from './verifier-contract.js';

/** An MCP server with one `whoami` tool behind an auth provider, on 127.0.0.1. */
export interface McpStack<A> {
  server: Listening;
  auth: A;
  /** The errors the provider reported (`onError`) that carry a code (`AuthError`s). */
  errors: ReportedError[];
  mcpUrl: string;
}

/** What the `whoami` tool of an {@link McpStack} answers: the SDK's `authInfo` of the call. */
export interface WhoAmI {
  clientId: string;
  scopes: string[];
  subject: string;
  /** `claims.upstream_claims` (an OAuth proxy's upstream identity). */
  upstream: Record<string, unknown>;
}

/**
 * Serve an auth provider and an MCP server behind it: `createAuth` builds the provider for the
 * server's URL (it may start a fake IdP first), `serve` wires both into a Node listener (this
 * package does not depend on core: pass `(auth, mcp) => toNodeHandler(createMcpAuthHandler({ auth, mcp }))`).
 */
export async function startMcpStack<A>(
  createAuth: (baseUrl: string, onError: (error: unknown) => void) => A | Promise<A>,
  serve: (auth: A, mcp: McpHttpHandler) => (req: IncomingMessage, res: ServerResponse) => void,
): Promise<McpStack<A>> {
  let listener: (req: IncomingMessage, res: ServerResponse) => void = (_, res) => void res.writeHead(503).end('starting');
  const server = await listen((req, res) => listener(req, res));
  const errors: ReportedError[] = [];
  const auth = await createAuth(server.url, (e) => {
    if (typeof e === 'object' && e !== null && typeof (e as ReportedError).code === 'string') errors.push(e as ReportedError);
  });
  const mcp = createMcpHandler(() => {
    const s = new McpServer({ name: 'provider-flow', version: '1.0.0' });
    s.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      const claims = info?.extra?.['claims'] as Record<string, unknown> | undefined;
      const who = {
        clientId: info?.clientId,
        scopes: info?.scopes,
        subject: info?.extra?.['subject'],
        upstream: claims?.['upstream_claims'],
      };
      return { content: [{ type: 'text', text: JSON.stringify(who) }] };
    });
    return s;
  });
  listener = serve(auth, mcp);
  return { server, auth, errors, mcpUrl: `${server.url}/mcp` };
}

/**
 * The first connection, which must end in the OAuth flow (`UnauthorizedError`): the authorization
 * response it got, for flows expected to end without a code (`signInWithOAuth` for the whole flow).
 */
export async function startSignIn(mcpUrl: string, browser: MemoryOAuthClientProvider): Promise<URLSearchParams | undefined> {
  const first = new Client({ name: 'flow', version: '1.0.0' });
  const error = await first.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: browser })).then(
    () => new Error('connected without signing in'),
    (err: unknown) => err,
  );
  if (!(error instanceof UnauthorizedError)) throw error;
  return browser.callback;
}

/** Who the `whoami` tool says the caller is. */
export async function whoami(client: Client): Promise<WhoAmI> {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return JSON.parse((result.content as { text: string }[])[0]!.text) as WhoAmI;
}
