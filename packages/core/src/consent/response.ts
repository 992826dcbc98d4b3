/** A 303 redirect (after a POST) or 302 carrying cookies, with no-cache headers. */
export function redirectResponse(location: string, cookies: readonly string[] = [], status = 302): Response {
  const headers = new Headers({ Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
  for (const c of cookies) headers.append('Set-Cookie', c);
  return new Response(null, { status, headers });
}
