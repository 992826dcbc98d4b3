const parsed = new WeakMap<Request, URL>();

/**
 * The parsed URL of a request, parsed once per request however many steps read it (the MCP
 * handler's path check, the bearer guard's query check, the router). Shared: read it, never
 * change it.
 */
export function requestUrl(request: Request): URL {
  let url = parsed.get(request);
  if (url === undefined) {
    url = new URL(request.url);
    parsed.set(request, url);
  }
  return url;
}
