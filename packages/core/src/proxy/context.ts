import type { ClientResolver } from '../authorization-server/client-auth.js';
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
  /** Registered clients and Client ID Metadata Documents (for the consent page). */
  resolveClient: ClientResolver;
  onError: (error: unknown) => void;
}
