// The identity provider of the runtime check's proxy flow, run by Node on loopback: an
// authorization server (`createAuthorizationServer` over `StoreOAuthProvider`, JWT access
// tokens) without a consent step of its own, in front of which sits a password login page that
// sets a session cookie, as a hosted IdP does.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { StoreOAuthProvider, JWTIssuer, createAuthorizationServer, deriveJwtKey } from '@mcpauth/core';
import { toNodeHandler } from '@mcpauth/core/node';

export const IDP_USER = 'alice';

/** Start the IdP on `port`; `key` is its token signing key material, `password` alice's password. */
export async function startIdp({ port, key, password }) {
  const origin = `http://127.0.0.1:${port}`;
  const signingKey = await deriveJwtKey({ highEntropyMaterial: key }, 'runtime-check-idp');
  const provider = new StoreOAuthProvider({
    issuerUrl: origin,
    jwtIssuer: new JWTIssuer({ issuer: origin, audience: `${origin}/api`, signingKey }),
    approve: (_client, params) => ({ subject: IDP_USER, scopes: params.scopes }),
  });
  const as = createAuthorizationServer({ provider, issuerUrl: origin, cimd: false });
  const sessions = new Set();
  const session = (request) => /(?:^|;\s*)idp_session=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
  const handler = async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/login' && request.method === 'POST') {
      const form = new URLSearchParams(await request.text());
      const back = form.get('return') ?? '';
      if (form.get('username') !== IDP_USER || form.get('password') !== password || !back.startsWith(`${origin}/authorize?`)) {
        return new Response('wrong user name or password', { status: 401 });
      }
      const id = randomBytes(16).toString('base64url');
      sessions.add(id);
      return new Response(null, {
        status: 303,
        headers: { location: back, 'set-cookie': `idp_session=${id}; Path=/; HttpOnly; SameSite=Lax` },
      });
    }
    if (url.pathname === '/authorize' && !sessions.has(session(request))) {
      const page = `<!doctype html><form method="post" action="/login"><input type="hidden" name="return" value="${url.href.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"><input name="username"><input name="password" type="password"><button>Sign in</button></form>`;
      return new Response(page, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } });
    }
    return as.handler(request);
  };
  const server = createServer(toNodeHandler(handler));
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}
