/** The default allowed client redirect URIs: loopback on any port and path. */
export const LOOPBACK_REDIRECT_PATTERNS: readonly string[] = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

/**
 * The redirect URIs widely used MCP clients register, as `allowedClientRedirectUris` patterns,
 * loopback included (native apps and CLIs: Claude Code, Claude desktop's local servers, VS Code,
 * Cursor desktop, the MCP Inspector, Gemini CLI). Each entry names the client and where its
 * redirect URI is documented. Curated by hand: a client that changes its callback needs an update
 * here; add your own next to it.
 *
 * - Claude (claude.ai, Claude desktop, Claude mobile): `https://claude.ai/api/mcp/auth_callback`
 *   and `https://claude.com/api/mcp/auth_callback`, both to be allowed
 *   (https://claude.com/docs/connectors/building/authentication;
 *   https://docs.zuora.com/zuora-ai/zuora-mcp-server/zuora-mcp-server/configure-zuora-remote-mcp-server/redirect-uris-by-mcp-client).
 * - ChatGPT connectors: `https://chatgpt.com/connector_platform_oauth_redirect` (sent by ChatGPT:
 *   https://gitlab.com/gitlab-org/gitlab/-/issues/579061) and the per-connector
 *   `https://chatgpt.com/connector/oauth/…` (https://github.com/makeplane/plane-mcp-server/pull/165).
 * - VS Code: `https://vscode.dev/redirect`, `https://insiders.vscode.dev/redirect`, and loopback
 *   `http://127.0.0.1/`, `http://127.0.0.1:33418/` (the body VS Code registers:
 *   https://github.com/microsoft/vscode/issues/278512).
 * - Cursor: `cursor://anysphere.cursor-mcp/oauth/callback` (Cursor desktop, per the Cursor MCP
 *   docs cited in https://github.com/makeplane/plane-mcp-server/issues/159), earlier versions'
 *   `cursor://anysphere.cursor-retrieval/oauth/user-{server}/callback`, the web agents'
 *   `https://www.cursor.com/agents/mcp/oauth/callback`, and the current desktop's loopback
 *   `http://localhost:8787/callback` (the registration body quoted in
 *   https://github.com/erp-mafia/accounted/pull/2225; https://github.com/bytebase/bytebase/issues/20510).
 * - MCP Inspector: `http://localhost:6274/oauth/callback` and `…/oauth/callback/debug` (loopback).
 * - Windsurf: no published non-loopback redirect URI was found; a loopback one is allowed by the
 *   loopback entries.
 *
 * @example
 * ```ts
 * new OAuthProxy({ ...options, allowedClientRedirectUris: [...knownMcpClientRedirectUris, 'https://my.app/oauth/callback'] });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7
 */
export const knownMcpClientRedirectUris: readonly string[] = Object.freeze([
  ...LOOPBACK_REDIRECT_PATTERNS,
  // Claude (claude.ai, desktop, mobile)
  'https://claude.ai/api/mcp/auth_callback',
  'https://claude.com/api/mcp/auth_callback',
  // ChatGPT
  'https://chatgpt.com/connector_platform_oauth_redirect',
  'https://chatgpt.com/connector/oauth/*',
  // VS Code (desktop through vscode.dev, vscode.dev itself, Insiders)
  'https://vscode.dev/redirect',
  'https://insiders.vscode.dev/redirect',
  // Cursor
  'cursor://anysphere.cursor-mcp/oauth/callback',
  'cursor://anysphere.cursor-retrieval/oauth/*',
  'https://www.cursor.com/agents/mcp/oauth/callback',
]);

interface Pattern {
  scheme: string;
  host: RegExp;
  port: string | '*';
  path: string | undefined;
  prefix: boolean;
}

const PATTERN = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:]+\]|[^/:?#]*)(?::(\*|\d{1,5}))?(\/[^?#]*)?$/i;

function hostRegExp(host: string): RegExp {
  const labels = host.toLowerCase().split('.');
  const source = labels.map((l) => (l === '*' ? '[a-z0-9-]+' : l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('\\.');
  return new RegExp(`^${source}$`);
}

function parsePattern(pattern: string): Pattern {
  const m = PATTERN.exec(pattern);
  if (!m) throw new TypeError(`allowedClientRedirectUris: invalid pattern "${pattern}"`);
  const [, scheme, host, port, path] = m;
  if (host!.includes('*') && !/^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+$/i.test(host!) && host !== '*') {
    throw new TypeError(`allowedClientRedirectUris: "*" may only be a whole leading host label in "${pattern}"`);
  }
  if (host === '*') throw new TypeError(`allowedClientRedirectUris: a bare "*" host would allow any site ("${pattern}")`);
  const prefix = path?.endsWith('*') === true;
  return {
    scheme: scheme!.toLowerCase(),
    host: hostRegExp(host!),
    port: port ?? '',
    path: prefix ? path!.slice(0, -1) : path,
    prefix,
  };
}

/**
 * Compile redirect URI patterns into a matcher. A pattern is `scheme://host[:port][/path]`:
 * `*` as the port matches any port (and none); a leading `*.` host label matches exactly one
 * label; a path ending in `*` is a prefix; no path matches any path. Query strings and fragments
 * in a candidate are refused, as are userinfo and non-default ports unless the pattern says so.
 *
 * @example
 * ```ts
 * const allowed = redirectUriMatcher(['http://127.0.0.1:*', 'https://*.example.com/callback']);
 * allowed('http://127.0.0.1:53124/callback'); // true
 * ```
 */
export function redirectUriMatcher(patterns: readonly string[]): (uri: string) => boolean {
  const compiled = patterns.map(parsePattern);
  return (uri) => {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return false;
    }
    if (url.username || url.password || url.hash) return false;
    const scheme = url.protocol.slice(0, -1).toLowerCase();
    return compiled.some((p) => {
      if (p.scheme !== scheme || !p.host.test(url.hostname.toLowerCase())) return false;
      if (p.port !== '*' && p.port !== url.port) return false;
      if (p.path === undefined) return true;
      if (url.search) return false;
      return p.prefix ? url.pathname.startsWith(p.path) : url.pathname === p.path;
    });
  };
}
