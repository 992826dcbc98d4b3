import { secureUrl } from '../lib/url.js';
import { UpstreamError } from '../errors/errors.js';
import { fetchJson, type HttpClientOptions } from '../http/outbound.js';

/**
 * The members of an OpenID Provider's configuration the proxy uses (and every other member, as
 * sent).
 *
 * @example
 * ```ts
 * const { jwks_uri, issuer }: OIDCConfiguration = await proxy.configuration();
 * ```
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export interface OIDCConfiguration {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  revocation_endpoint?: string | undefined;
  userinfo_endpoint?: string | undefined;
  token_endpoint_auth_methods_supported?: string[] | undefined;
  code_challenge_methods_supported?: string[] | undefined;
  scopes_supported?: string[] | undefined;
  [member: string]: unknown;
}

const WELL_KNOWN = '/.well-known/openid-configuration';

function secureUrlString(value: string): boolean {
  try {
    secureUrl(value, 'url');
    return true;
  } catch {
    return false;
  }
}

/** The issuer a configuration URL belongs to: the URL without `/.well-known/openid-configuration`. */
export function issuerOfConfigUrl(configUrl: string): string {
  const url = new URL(configUrl);
  if (!url.pathname.endsWith(WELL_KNOWN)) throw new TypeError(`OIDC discovery: configUrl must end with ${WELL_KNOWN}`);
  return `${url.origin}${url.pathname.slice(0, -WELL_KNOWN.length)}`;
}

const trim = (s: string) => s.replace(/\/$/, '');

/**
 * Fetch and validate an OpenID Provider configuration: one GET with a timeout (default 10 s) and
 * a size limit, no redirects followed; the body must be a JSON object whose `issuer`,
 * `authorization_endpoint`, `token_endpoint` and `jwks_uri` are https URLs (http only on
 * loopback), and whose `issuer` is the one the configuration URL names (OIDC Discovery §4.3;
 * a trailing slash aside), or `expectedIssuer` when given. It does not check the keys, scopes or
 * grant types offered.
 *
 * Throws `TypeError` for a bad `configUrl`, and `UpstreamError` when the fetch fails (reason
 * `timeout`, `network`, `redirect`, `http_status`, `too_large`) or the document fails validation
 * (reason `invalid_body`).
 *
 * @example
 * ```ts
 * const config = await discoverOpenIdConfiguration('https://tenant.example.com/.well-known/openid-configuration');
 * config.jwks_uri;
 * ```
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export async function discoverOpenIdConfiguration(
  configUrl: string | URL,
  options: { http?: HttpClientOptions | undefined; expectedIssuer?: string | undefined } = {},
): Promise<OIDCConfiguration> {
  const url = String(configUrl);
  if (!secureUrlString(url)) throw new TypeError('OIDC discovery: configUrl must be an https URL (http only on loopback)');
  const expected = options.expectedIssuer ?? issuerOfConfigUrl(url);
  const { json, status } = await fetchJson(url, {}, { timeoutMs: 10_000, maxResponseBytes: 256 * 1024, ...options.http });
  const invalid = (what: string) => new UpstreamError('invalid_body', `OIDC discovery: ${what}`, { status });
  for (const member of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    const value = json[member];
    if (typeof value !== 'string' || !secureUrlString(value)) throw invalid(`"${member}" is missing or not an https URL`);
  }
  for (const member of ['revocation_endpoint', 'userinfo_endpoint'] as const) {
    const value = json[member];
    if (value !== undefined && (typeof value !== 'string' || !secureUrlString(value))) throw invalid(`"${member}" is not an https URL`);
  }
  for (const member of ['token_endpoint_auth_methods_supported', 'code_challenge_methods_supported', 'scopes_supported'] as const) {
    const value = json[member];
    if (value !== undefined && !(Array.isArray(value) && value.every((v) => typeof v === 'string')))
      throw invalid(`"${member}" is not a list of strings`);
  }
  if (trim(json['issuer'] as string) !== trim(expected)) {
    throw invalid(`issuer "${String(json['issuer'])}" does not match the expected issuer "${expected}"`);
  }
  return json as OIDCConfiguration;
}
