/** The default allowed client redirect URIs: loopback on any port and path. */
export const LOOPBACK_REDIRECT_PATTERNS: readonly string[] = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

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
  const prefix = path !== undefined && path.endsWith('*');
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
