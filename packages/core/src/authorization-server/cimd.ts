/**
 * Client ID Metadata Documents: a `client_id` that is an https URL names a JSON document, served
 * by the client, describing it. The authorization server fetches it instead of requiring
 * registration.
 *
 * @module
 */
import { RegistrationError, UpstreamError } from '../errors/errors.js';
import { fetchJson, type HttpClientOptions } from '../http/outbound.js';
import { createPublicAddressFetch } from '../http/public-address-fetch.js';
import { TtlCache } from '../lib/cache.js';
import type { Clock } from '../lib/clock.js';
import { hostKind } from '../lib/ip-address.js';
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
  /**
   * How documents are fetched. Timeout default 5 000 ms; the size limit is always 5 KiB; redirects
   * are never followed. Without `fetch` or `ky`, on Node 20.16+ documents are fetched
   * with a guarded fetch that connects only to public addresses after resolving the host name;
   * an injected `fetch` or `ky` replaces that guard (only the URL's literal host is judged then).
   */
  http?: Omit<HttpClientOptions, 'maxResponseBytes'> | undefined;
  /** Longest time a document is cached, whatever its caching headers say, in seconds. Default 86 400. */
  maxCacheSeconds?: number | undefined;
  /** Cache time of a document whose response has no caching headers, in seconds. Default 300. */
  defaultCacheSeconds?: number | undefined;
  /** Documents kept in the cache (and, apart, as many refused document URLs). Default 1 000. */
  maxEntries?: number | undefined;
}

/** What the authorization server adds to the options of {@link ClientMetadataDocuments}. */
export interface ClientMetadataDocumentPolicy {
  grantTypesSupported: readonly string[];
  scopesSupported?: readonly string[] | undefined;
  /**
   * The server's redirect URI policy: a document's redirect URIs are kept only where it answers
   * true, and a document left with none is refused.
   */
  redirectUriAllowed?: ((redirectUri: string) => boolean) | undefined;
  /** Receives why a document was refused (the authorization endpoint shows a generic message). */
  onError?: ((error: unknown) => void) | undefined;
  /** Clock in seconds since the epoch, for the caches. Default `Date.now() / 1000`. */
  now?: Clock | undefined;
}

/** How long a refused document URL is answered from memory, in seconds (no new fetch meanwhile). */
export const CLIENT_METADATA_FAILURE_CACHE_SECONDS = 60;

/** What the user sees when a document cannot be used: the reason goes to `onError`, never to the page. */
const UNUSABLE = 'The client metadata document could not be fetched, or is not valid';

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
 * link-local address literals refused (loopback allowed with `allowLoopback`); on Node, host
 * names resolved and every resolved address checked the same way, the connection made to the
 * checked address (see {@link createPublicAddressFetch}); no redirects; at most 5 KiB; a
 * timeout; cached per the response's caching headers, capped. The document's `client_id` must
 * equal its URL; it is validated like a registration (redirect URIs, grant and response types,
 * scope), its redirect URIs are filtered through the server's policy, and its client is public
 * (`token_endpoint_auth_method: "none"`).
 *
 * A refused document is remembered for {@link CLIENT_METADATA_FAILURE_CACHE_SECONDS} (no new
 * fetch meanwhile); its lookup answers a generic problem, and the reason goes to `onError`, so
 * the error page cannot be used to probe what answers at a URL.
 *
 * Where Node's `https` module cannot be reached (Cloudflare Workers, browsers), or when `http`
 * injects a `fetch` or `ky`, only the literal host is judged: a DNS name pointing at a private
 * address is fetched. Inject a `fetch` that refuses such connections where that matters.
 *
 * @example
 * ```ts
 * const documents = new ClientMetadataDocuments({ grantTypesSupported: ['authorization_code', 'refresh_token'] });
 * const { client, problem } = await documents.lookup('https://app.example.com/oauth/client.json');
 * ```
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export class ClientMetadataDocuments {
  readonly #options: ClientIdMetadataDocumentOptions & ClientMetadataDocumentPolicy;
  readonly #http: Omit<HttpClientOptions, 'maxResponseBytes'>;
  readonly #cache: TtlCache<string, OAuthClientInformationFull>;
  readonly #failures: TtlCache<string, true>;
  readonly #flights = new SingleFlight<string, ClientLookup>();

  constructor(options: ClientIdMetadataDocumentOptions & ClientMetadataDocumentPolicy) {
    this.#options = options;
    const http = options.http ?? {};
    const guarded = http.fetch || http.ky ? null : createPublicAddressFetch({ allowLoopback: options.allowLoopback });
    this.#http = guarded ? { ...http, fetch: guarded } : http;
    const maxEntries = options.maxEntries ?? 1000;
    this.#cache = new TtlCache({ maxEntries, now: options.now });
    this.#failures = new TtlCache({ maxEntries, now: options.now });
  }

  /** The client a metadata document URL describes, or the reason it cannot be used. */
  lookup(clientId: string): Promise<ClientLookup> {
    if (!isClientIdMetadataUrl(clientId)) return Promise.resolve({ client: null, problem: 'Not a client metadata document URL' });
    const cached = this.#cache.get(clientId);
    if (cached) return Promise.resolve({ client: cached });
    if (this.#failures.get(clientId)) return Promise.resolve({ client: null, problem: UNUSABLE });
    return this.#flights.run(clientId, () => this.#fetch(clientId));
  }

  /** Remember the refusal, report its reason, answer the generic problem. */
  #refuse(clientId: string, reason: string, cause?: unknown): ClientLookup {
    this.#failures.set(clientId, true, { ttlSeconds: CLIENT_METADATA_FAILURE_CACHE_SECONDS });
    this.#options.onError?.(
      new RegistrationError('invalid_client_metadata', `Client metadata document ${clientId} refused: ${reason}`, { cause }),
    );
    return { client: null, problem: UNUSABLE };
  }

  async #fetch(clientId: string): Promise<ClientLookup> {
    const kind = hostKind(new URL(clientId).hostname);
    if (kind === 'private' || (kind === 'loopback' && !this.#options.allowLoopback)) {
      return { client: null, problem: 'Client metadata documents on private or loopback addresses are refused' };
    }
    let json: Record<string, unknown>;
    let headers: Headers;
    try {
      ({ json, headers } = await fetchJson(
        clientId,
        { headers: { Accept: 'application/json' } },
        {
          ...this.#http,
          timeoutMs: this.#http.timeoutMs ?? 5000,
          maxResponseBytes: MAX_CLIENT_METADATA_DOCUMENT_BYTES,
        },
      ));
    } catch (err) {
      const reason = err instanceof UpstreamError ? err.reason : 'network';
      return this.#refuse(clientId, `it could not be fetched (${reason})`, err);
    }
    if (json['client_id'] !== clientId) return this.#refuse(clientId, 'it names another client_id');
    if (json['client_secret'] !== undefined || json['client_secret_expires_at'] !== undefined) {
      return this.#refuse(clientId, 'it contains a client secret');
    }
    let client: OAuthClientInformationFull;
    try {
      const metadata = validateClientMetadata(json, {
        grantTypesSupported: this.#options.grantTypesSupported,
        scopesSupported: this.#options.scopesSupported,
        defaultAuthMethod: 'none',
        allowedAuthMethods: ['none', 'private_key_jwt'],
      });
      client = { ...metadata, client_id: clientId };
    } catch (err) {
      const description = err instanceof RegistrationError ? err.errorDescription : undefined;
      return this.#refuse(clientId, `it is invalid: ${description ?? 'unreadable'}`, err);
    }
    const allowed = this.#options.redirectUriAllowed;
    if (allowed && client.redirect_uris.length > 0) {
      const kept = client.redirect_uris.filter((uri) => allowed(uri));
      if (kept.length === 0) return this.#refuse(clientId, 'none of its redirect URIs is allowed by this server');
      client.redirect_uris = kept;
    }
    const ttl = cacheSeconds(headers, this.#options.defaultCacheSeconds ?? 300, this.#options.maxCacheSeconds ?? 86_400);
    this.#cache.set(clientId, client, { ttlSeconds: ttl });
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
export function createClientResolver(
  provider: Pick<OAuthAuthorizationServerProvider, 'getClient'>,
  documents: ClientMetadataDocuments | null,
): ClientResolver {
  return async (clientId) => {
    if (documents && isClientIdMetadataUrl(clientId)) return documents.lookup(clientId);
    const client = await provider.getClient(clientId);
    return client ? { client } : { client: null, problem: 'Unknown client' };
  };
}
