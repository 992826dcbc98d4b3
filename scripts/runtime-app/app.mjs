// The app of the runtime check (scripts/check-runtimes.mjs), written as a user would: an MCP
// server whose authorization server is `createAuthorizationServer` over `StoreOAuthProvider`
// (JWT access tokens from `JWTIssuer`), guarded by `createBearerGuard` with `JWTVerifier`.
// Fetch API only, so the same module runs on Node, Bun, Deno and workerd.
import {
  StoreOAuthProvider,
  JWTIssuer,
  createAuthorizationServer,
  createBearerGuard,
  createProtectedResourceMetadata,
  deriveJwtKey,
  routeRequest,
} from '@mcpauth/core';
import { toAuthInfo } from '@mcpauth/core/mcp';
import { JWTVerifier } from '@mcpauth/jwt';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';

/** Build the app for the origin it is served at; `secret` is the JWT signing key material. */
export async function createApp(origin, secret) {
  const resource = `${origin}/mcp`;
  const scopes = ['mcp:tools'];
  const signingKey = await deriveJwtKey({ highEntropyMaterial: secret }, 'runtime-check');
  const jwtIssuer = new JWTIssuer({ issuer: origin, audience: resource, signingKey });
  const provider = new StoreOAuthProvider({ issuerUrl: origin, jwtIssuer }); // approves every request as "dev-user"
  const as = createAuthorizationServer({ provider, issuerUrl: origin, scopesSupported: scopes, resourceUrl: resource });
  const prm = createProtectedResourceMetadata({ resource, authorizationServers: [origin], scopesSupported: scopes });
  const verifier = new JWTVerifier({ secret: signingKey, algorithms: ['HS256'], issuer: origin, audience: resource });
  const guard = createBearerGuard({ verifier, resourceMetadataUrl: prm.url, requiredScopes: scopes, expectedResource: resource });
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: 'runtime-check', version: '1.0.0' });
    server.registerTool('whoami', { description: 'The caller' }, async (ctx) => ({
      content: [{ type: 'text', text: JSON.stringify({ clientId: ctx.http?.authInfo?.clientId, scopes: ctx.http?.authInfo?.scopes }) }],
    }));
    return server;
  });
  return {
    async fetch(request) {
      const routed = await routeRequest([...as.routes, prm.route], request);
      if (routed) return routed;
      if (new URL(request.url).pathname !== '/mcp') return new Response('not found', { status: 404 });
      const token = await guard(request);
      if (token instanceof Response) return token;
      return mcp.fetch(request, { authInfo: toAuthInfo(token) });
    },
  };
}
