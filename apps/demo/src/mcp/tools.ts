import { principalComponents, type AccessToken, type AuthProvider } from '@mcpauth/core';
import { requireToolScopes } from '@mcpauth/core/mcp';
import { McpServer, type AuthInfo, type CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';

/** A tool as listed on the home page and in the start-up banner. */
export interface ToolInfo {
  name: string;
  description: string;
  /** An extra scope the tool needs beyond the ones every request needs. */
  scope?: string;
}

/** Options of {@link createMcpServer}. */
export interface McpServerOptions {
  /** Name of the active provider (reported by `admin_status`). */
  provider: string;
  /** The scope `admin_status` needs: calling it without that scope answers 403 `insufficient_scope`. */
  adminScope: string;
  /** The auth set-up: the scopes every request needs, and who to tell of a step-up challenge. */
  auth: Pick<AuthProvider, 'requiredScopes' | 'noteInsufficientScope'>;
  /** When the demo started (epoch milliseconds). */
  startedAt: number;
}

/** Claims `whoami` reports when the token carries them (`upstream_claims`: the identity an OAuth proxy got upstream). */
const SHOWN_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'azp',
  'client_id',
  'name',
  'preferred_username',
  'login',
  'email',
  'email_verified',
  'role',
  'iat',
  'exp',
  'upstream_claims',
];

/** The tools the demo serves. */
export function toolList(adminScope: string): ToolInfo[] {
  return [
    { name: 'whoami', description: 'Who the access token represents: principal (client, issuer, subject), scopes, selected claims.' },
    { name: 'echo', description: "Echo a message back, with the caller's subject." },
    {
      name: 'admin_status',
      description: `Server status; needs the "${adminScope}" scope, so calling it shows the 403 insufficient_scope step-up.`,
      scope: adminScope,
    },
  ];
}

/** The verified token behind a request, rebuilt from the `AuthInfo` that `toAuthInfo` produced. */
function accessTokenOf(info: AuthInfo | undefined): AccessToken {
  if (!info) throw new Error('No authenticated principal: the MCP endpoint must sit behind the bearer guard');
  const extra = info.extra ?? {};
  const claims = (extra['claims'] ?? {}) as Record<string, unknown>;
  const subject = typeof extra['subject'] === 'string' ? extra['subject'] : undefined;
  return {
    token: info.token,
    clientId: info.clientId,
    scopes: info.scopes,
    expiresAt: info.expiresAt,
    resource: info.resource?.href,
    subject,
    claims,
  };
}

function json(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value };
}

/**
 * A fresh MCP server with the demo's tools (`createMcpHandler` calls this once per request).
 * The tools read the caller from `ctx.http.authInfo`, which the bearer guard supplied.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'mcp-auth-demo', version: '1.0.0' });
  const [whoami, echo, admin] = toolList(options.adminScope) as [ToolInfo, ToolInfo, ToolInfo];

  server.registerTool(
    whoami.name,
    { title: 'Who am I?', description: whoami.description, annotations: { readOnlyHint: true } },
    async (ctx) => {
      const token = accessTokenOf(ctx.http?.authInfo);
      const [clientId, issuer, subject] = principalComponents(token);
      const claims = Object.fromEntries(
        SHOWN_CLAIMS.filter((name) => token.claims[name] !== undefined).map((name) => [name, token.claims[name]]),
      );
      return json({
        principal: { clientId, issuer, subject },
        scopes: token.scopes,
        expiresAt: token.expiresAt === undefined ? null : new Date(token.expiresAt * 1000).toISOString(),
        resource: token.resource ?? null,
        claims,
      });
    },
  );

  server.registerTool(
    echo.name,
    {
      title: 'Echo',
      description: echo.description,
      inputSchema: z.object({ message: z.string().max(1000).describe('Text to echo back') }),
      annotations: { readOnlyHint: true },
    },
    async ({ message }, ctx) => {
      const { subject, clientId } = accessTokenOf(ctx.http?.authInfo);
      return { content: [{ type: 'text', text: `${message} (from ${subject ?? clientId})` }] };
    },
  );

  server.registerTool(
    admin.name,
    {
      title: 'Admin status',
      description: admin.description,
      // The SDK answers a call without this scope with HTTP 403 and
      // `WWW-Authenticate: Bearer error="insufficient_scope", scope="…", resource_metadata="…"`
      // before the handler runs; MCP clients then re-authorize (step-up). The challenge names every
      // scope the call needs (the endpoint's, the token's, the tool's), so a client that asks for
      // the challenge's scope alone (MCP SDK v1) still gets a token that works; and the proxy is
      // told, so a client that refreshes instead of re-authorizing (SDK v1) is sent to authorize.
      scopeChallenge: requireToolScopes(options.auth, options.adminScope),
      annotations: { readOnlyHint: true },
    },
    async (ctx) => {
      const token = accessTokenOf(ctx.http?.authInfo);
      return json({
        provider: options.provider,
        uptimeSeconds: Math.round((Date.now() - options.startedAt) / 1000),
        node: process.version,
        scopes: token.scopes,
      });
    },
  );

  return server;
}
