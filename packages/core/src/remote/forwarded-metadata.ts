import { UpstreamError } from '../errors/errors.js';
import { errorResponse } from '../errors/response.js';
import { fetchJson, type HttpClientOptions } from '../http/outbound.js';
import { corsHeaders, jsonResponse, preflightResponse, type FetchHandler } from '../http/router.js';
import { TtlCache } from '../lib/cache.js';
import type { Clock } from '../lib/clock.js';
import { SingleFlight } from '../lib/single-flight.js';
import type { Reporter } from '../logging/reporter.js';

/** What the forwarding route needs, resolved from the provider's options. */
export interface ForwardingConfig {
  /** The authorization server's issuer: the fetched document must name exactly it. */
  issuer: string;
  /** Where its metadata is fetched. */
  metadataUrl: string;
  cacheTtlSeconds: number;
  http: HttpClientOptions;
  /** Seconds since the epoch. */
  now: Clock;
  report: Reporter;
}

const withoutSlash = (s: string) => s.replace(/\/$/, '');

/**
 * A handler serving an upstream authorization server's RFC 8414 metadata: fetched with
 * `fetchJson` (timeout, size limit, no redirects), checked to name the expected issuer, cached
 * for `cacheTtlSeconds`, with one upstream request at a time however many clients ask. An
 * upstream failure answers 502 and is not cached, so the next request tries again.
 */
export function forwardedMetadataHandler(config: ForwardingConfig): FetchHandler {
  const cache = new TtlCache<'document', string>({ maxEntries: 1, now: config.now });
  const flights = new SingleFlight<'document', string>();
  const cors = corsHeaders(['GET']);

  const load = () =>
    flights.run('document', async () => {
      const { json } = await fetchJson(config.metadataUrl, {}, config.http);
      if (typeof json['issuer'] !== 'string' || withoutSlash(json['issuer']) !== withoutSlash(config.issuer)) {
        throw new UpstreamError('invalid_body', 'Authorization server metadata names another issuer');
      }
      const body = JSON.stringify(json);
      cache.set('document', body, { ttlSeconds: config.cacheTtlSeconds });
      return body;
    });

  return async (request) => {
    if (request.method === 'OPTIONS') return preflightResponse(['GET']);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return jsonResponse({ error: 'invalid_request', error_description: 'Method not allowed' }, 405, {
        ...cors,
        Allow: 'GET, HEAD, OPTIONS',
      });
    }
    let body: string;
    try {
      body = cache.get('document') ?? (await load());
    } catch (err) {
      return errorResponse(err, { headers: cors, onUnexpectedError: config.report });
    }
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { ...cors, 'Content-Type': 'application/json', 'Cache-Control': `public, max-age=${Math.floor(config.cacheTtlSeconds)}` },
    });
  };
}
