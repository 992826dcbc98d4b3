import type { AnyAuthError } from '../errors/errors.js';
import type { ProxyConfig } from './config.js';
import type { ProxyKeys } from './keys.js';
import type { OAuthProxyOptions } from './options.js';
import type { ProxyRecords } from './records.js';
import type { TokenFamilies } from './token-families.js';
import type { UpstreamClient } from './upstream.js';
import type { UpstreamSessions } from './upstream-sessions.js';

/** What the proxy's parts share. */
export interface ProxyContext {
  options: OAuthProxyOptions;
  config: ProxyConfig;
  records: ProxyRecords;
  keys: Promise<ProxyKeys>;
  upstream: UpstreamClient;
  sessions: UpstreamSessions;
  families: TokenFamilies;
  onError: (error: AnyAuthError) => void;
}

/** The client's redirect URI with the authorization response parameters (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export function clientRedirect(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}
