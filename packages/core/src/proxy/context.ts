import type { ClientResolver } from '../authorization-server/client-auth.js';
import type { JWTIssuer } from '../jwt-issuer/issuer.js';
import type { ProxyConfig } from './config.js';
import type { ProxyKeys } from './keys.js';
import type { UpstreamEndpoints } from './options.js';
import type { AuthorizationCodes } from '../grants/authorization-codes.js';
import type { TokenFamilies } from '../grants/token-families.js';
import type { CodeRecord, ProxyGrant, ProxyRecords } from './records.js';
import type { UpstreamClient } from './upstream.js';
import type { UpstreamSessions } from './upstream-sessions.js';

/** What the proxy's parts share once it has started (keys derived, upstream known). */
export interface ProxyContext {
  config: ProxyConfig;
  keys: ProxyKeys;
  /** Signs and verifies our access and refresh tokens. */
  issuer: JWTIssuer;
  records: ProxyRecords;
  /** The upstream endpoints (given, or discovered). */
  endpoints: UpstreamEndpoints;
  upstream: UpstreamClient;
  sessions: UpstreamSessions;
  families: TokenFamilies<ProxyGrant>;
  /** Our authorization codes (single use; a replay revokes the family). */
  codes: AuthorizationCodes<CodeRecord>;
  /** Registered clients and Client ID Metadata Documents (for the consent page). */
  resolveClient: ClientResolver;
}
