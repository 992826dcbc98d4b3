/**
 * Client ID Metadata Documents: a `client_id` that is an https URL names a JSON document, served
 * by the client, describing it. The authorization server fetches it instead of requiring
 * registration.
 *
 * @module
 */
import { RegistrationError, UpstreamError } from '../errors/errors.js';
import { fetchJson, type HttpClientOptions } from '../http/outbound.js';
import { TtlCache } from '../lib/cache.js';
import { SingleFlight } from '../lib/single-flight.js';
import type { OAuthAuthorizationServerProvider, OAuthClientInformationFull } from '../protocols/provider.js';
import type { ClientLookup, ClientResolver } from './client-auth.js';
import { validateClientMetadata } from './client-metadata.js';

/** Options of Client ID Metadata Document support. */
export interface ClientIdMetadataDocumentOptions {
  /**
   * Accept documents on loopback addresses (`127.0.0.0/8`, `::1`, `localhost`). For tests and
   * local development only. Private and link-local addresses stay refused.
   */
  allowLoopback?: boolean | undefined;
  /** How documents are fetched. Timeout default 5 000 ms; the size limit is always 5 KiB; redirects are never followed. */
  http?: Omit<HttpClientOptions, 'maxResponseBytes'> | undefined;
  /** Longest time a document is cached, whatever its caching headers say, in seconds. Default 86 400. */
  maxCacheSeconds?: number | undefined;
  /** Cache time of a document whose response has no caching headers, in seconds. Default 300. */
  defaultCacheSeconds?: number | undefined;
  /** Documents kept in the cache. Default 1 000. */
  maxEntries?: number | undefined;
}

/** Largest metadata document accepted, in bytes. */
export const MAX_CLIENT_METADATA_DOCUMENT_BYTES = 5 * 1024;

/**
 * Whether a `client_id` is a Client ID Metadata Document URL: `https`, with a path other than
 * `/`, no fragment, no user information, no dot segments.
 *
 * @example
 * ```ts
 * isClientIdMetadataUrl('https://app.example.com/oauth/client.json'); // true
 * isClientIdMetadataUrl('3f2c9a');                                    // false
 * ```
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export function isClientIdMetadataUrl(clientId: string): boolean {
  if (!clientId.startsWith('https://') || clientId.includes('#')) return false;
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  if (url.username || url.password || url.pathname === '/' || url.href !== clientId) return false;
  return !/\/\.\.?(\/|$)/.test(clientId.slice(url.origin.length));
}

function ipv4Octets(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m ? m.slice(1).map(Number) : null;
}

/** Parse the hex groups of a bracketed IPv6 host as the URL parser serializes it (compressed, no embedded IPv4). */
function ipv6Groups(host: string): number[] | null {
  if (!host.startsWith('[') || !host.endsWith(']')) return null;
  const [head = '', tail] = host.slice(1, -1).split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : null;
}

type AddressKind = 'public' | 'loopback' | 'private';

function ipv4Kind([a, b]: number[]): AddressKind {
  if (a === 127) return 'loopback';
  if (a === 0 || a === 10 || a! >= 224) return 'private';
  if (a === 100 && b! >= 64 && b! <= 127) return 'private';
  if (a === 169 && b === 254) return 'private';
  if (a === 172 && b! >= 16 && b! <= 31) return 'private';
  if (a === 192 && (b === 168 || b === 0)) return 'private';
  if (a === 198 && (b === 18 || b === 19)) return 'private';
  return 'public';
}

/**
 * What a URL host names, judged from the literal: loopback, private (RFC 1918, link-local,
 * CGNAT, unique-local, multicast, reserved), or public. A DNS name is `public` unless it is
 * `localhost` or under `.localhost`: names that resolve to private addresses cannot be seen
 * with the Fetch API (see {@link ClientIdMetadataDocumentOptions.http} to inject a guarded fetch).
 */
export function hostKind(hostname: string): AddressKind {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  const v4 = ipv4Octets(host);
  if (v4) return ipv4Kind(v4);
  const v6 = ipv6Groups(host);
  if (!v6) return 'public';
  if (v6.slice(0, 7).every((g) => g === 0)) return v6[7] === 1 ? 'loopback' : 'private';
  const embedsV4 = (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) || (v6[0] === 0x64 && v6[1] === 0xff9b);
  if (embedsV4) return ipv4Kind([v6[6]! >> 8, v6[6]! & 0xff]);
  if ((v6[0]! & 0xfe00) === 0xfc00 || (v6[0]! & 0xffc0) === 0xfe80 || (v6[0]! & 0xff00) === 0xff00) return 'private';
  return 'public';
}

function cacheSeconds(headers: Headers, fallback: number, max: number): number {
  const cc = (headers.get('cache-control') ?? '').toLowerCase();
  let seconds = fallback;
  if (/(^|[\s,])(no-store|no-cache|private)([\s,=]|$)/.test(cc)) seconds = 0;
  else {
    const maxAge = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/.exec(cc);
    if (maxAge) seconds = Number(maxAge[1]);
    else if (headers.has('expires')) {
      const expires = Date.parse(headers.get('expires')!);
      const date = Date.parse(headers.get('date') ?? '') || Date.now();
      seconds = Number.isFinite(expires) ? Math.max(0, Math.floor((expires - date) / 1000)) : 0;
    }
  }
  return Math.min(seconds, max);
}

/**
 * Fetches, validates and caches Client ID Metadata Documents: https only; loopback, private and
 * link-local address literals refused (loopback allowed with `allowLoopback`); no redirects;
 * at most 5 KiB; a timeout; cached per the response's caching headers, capped. The document's
 * `client_id` must equal its URL; it is validated like a registration (redirect URIs, grant and
 * response types, scope), and its client is public (`token_endpoint_auth_method: "none"`).
 *
 * It does not resolve DNS names: a name pointing at a private address is fetched. Inject an
 * `http.fetch` that refuses such connections where that matters.
 *
 * @example
 * ```ts
 * const documents = new ClientMetadataDocuments({ grantTypesSupported: ['authorization_code', 'refresh_token'] });
 * const { client, problem } = await documents.lookup('https://app.example.com/oauth/client.json');
 * ```
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export class ClientMetadataDocuments {
  readonly #options: ClientIdMetadataDocumentOptions;
  readonly #grantTypes: readonly string[];
  readonly #scopes: readonly string[] | undefined;
  readonly #cache: TtlCache<string, OAuthClientInformationFull>;
  readonly #flights = new SingleFlight<string, ClientLookup>();

  constructor(options: ClientIdMetadataDocumentOptions & { grantTypesSupported: readonly string[]; scopesSupported?: readonly string[] | undefined }) {
    this.#options = options;
    this.#grantTypes = options.grantTypesSupported;
    this.#scopes = options.scopesSupported;
    const maxEntries = options.maxEntries ?? 1000;
    this.#cache = new TtlCache({ maxEntries });
  }

  /** The client a metadata document URL describes, or the reason it cannot be used. */
  lookup(clientId: string): Promise<ClientLookup> {
    if (!isClientIdMetadataUrl(clientId)) return Promise.resolve({ client: null, problem: 'Not a client metadata document URL' });
    const cached = this.#cache.get(clientId);
    if (cached) return Promise.resolve({ client: cached });
    return this.#flights.run(clientId, () => this.#fetch(clientId));
  }

  async #fetch(clientId: string): Promise<ClientLookup> {
    const kind = hostKind(new URL(clientId).hostname);
    if (kind === 'private' || (kind === 'loopback' && !this.#options.allowLoopback)) {
      return { client: null, problem: 'Client metadata documents on private or loopback addresses are refused' };
    }
    let json: Record<string, unknown>;
    let headers: Headers;
    try {
      ({ json, headers } = await fetchJson(clientId, { headers: { Accept: 'application/json' } }, {
        ...this.#options.http,
        timeoutMs: this.#options.http?.timeoutMs ?? 5000,
        maxResponseBytes: MAX_CLIENT_METADATA_DOCUMENT_BYTES,
      }));
    } catch (err) {
      const reason = err instanceof UpstreamError ? err.reason : 'network';
      return { client: null, problem: `The client metadata document could not be fetched (${reason})` };
    }
    if (json['client_id'] !== clientId) return { client: null, problem: 'The client metadata document names another client_id' };
    if (json['client_secret'] !== undefined || json['client_secret_expires_at'] !== undefined) {
      return { client: null, problem: 'A client metadata document must not contain a client secret' };
    }
    let client: OAuthClientInformationFull;
    try {
      const metadata = validateClientMetadata(json, {
        grantTypesSupported: this.#grantTypes,
        scopesSupported: this.#scopes,
        defaultAuthMethod: 'none',
        allowedAuthMethods: ['none'],
      });
      client = { ...metadata, client_id: clientId };
    } catch (err) {
      const description = err instanceof RegistrationError ? err.errorDescription : undefined;
      return { client: null, problem: `The client metadata document is invalid: ${description ?? 'unreadable'}` };
    }
    const ttl = cacheSeconds(headers, this.#options.defaultCacheSeconds ?? 300, this.#options.maxCacheSeconds ?? 86_400);
    this.#cache.set(clientId, client, ttl * 1000);
    return { client };
  }
}

/**
 * A {@link ClientResolver} over a provider's registered clients and, when given, metadata
 * documents: a `client_id` that is a document URL is resolved by fetching it, any other through
 * `provider.getClient`.
 *
 * @example
 * ```ts
 * const resolveClient = createClientResolver(provider, documents);
 * const { client } = await resolveClient(clientId);
 * ```
 */
export function createClientResolver(provider: Pick<OAuthAuthorizationServerProvider, 'getClient'>, documents: ClientMetadataDocuments | null): ClientResolver {
  return async (clientId) => {
    if (documents && isClientIdMetadataUrl(clientId)) return documents.lookup(clientId);
    const client = await provider.getClient(clientId);
    return client ? { client } : { client: null, problem: 'Unknown client' };
  };
}
