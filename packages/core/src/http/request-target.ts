/** What the request handlers read of a request's URL. Frozen: shared by every request to the same URL. */
export interface RequestTarget {
  /** The URL's path, as `URL.pathname` gives it. */
  readonly pathname: string;
  /** Whether the query string has an `access_token` parameter (RFC 6750 §2.3, refused by the bearer guard). */
  readonly accessTokenInQuery: boolean;
}

// Most requests to a server name one of a few URLs (the MCP endpoint above all): each is parsed
// once, not once per request. Bounded; a flood of distinct URLs only empties it.
const MAX_CACHED = 256;
const MAX_CACHED_LENGTH = 2048;
const cache = new Map<string, RequestTarget>();

/**
 * The parts of a request's URL the handlers read (the MCP handler's path check, the bearer
 * guard's query check, the router), parsed once per distinct URL.
 */
export function requestTarget(request: Request): RequestTarget {
  const href = request.url;
  let target = cache.get(href);
  if (target === undefined) {
    const url = new URL(href);
    target = Object.freeze({ pathname: url.pathname, accessTokenInQuery: url.searchParams.has('access_token') });
    if (href.length <= MAX_CACHED_LENGTH) {
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(href, target);
    }
  }
  return target;
}
