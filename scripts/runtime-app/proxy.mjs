// The OAuth proxy app of the runtime check (scripts/check-runtimes.mjs), as a user would write it:
// an MCP server behind `OAuthProxy` in front of an identity provider without dynamic registration
// (the check's IdP, served by Node on loopback), its tokens checked with `JWTVerifier`.
// Fetch API only: it runs in workerd.
import { OAuthProxy, deriveJwtKey } from '@mcpauth/core';
import { createMcpAuthHandler } from '@mcpauth/core/mcp';
import { JWTVerifier } from '@mcpauth/jwt';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';

/**
 * Build the proxy app served at `env.ORIGIN`. The IdP at `env.IDP` registered us as
 * `env.IDP_CLIENT_ID` / `env.IDP_CLIENT_SECRET` and signs its tokens with a key derived from
 * `env.IDP_KEY`; `env.SECRET` is this proxy's `jwtSigningKey`.
 */
export async function createProxyApp(env) {
  const upstreamKey = await deriveJwtKey({ highEntropyMaterial: env.IDP_KEY }, 'runtime-check-idp');
  const auth = new OAuthProxy({
    upstream: {
      authorizationEndpoint: `${env.IDP}/authorize`,
      tokenEndpoint: `${env.IDP}/token`,
      revocationEndpoint: `${env.IDP}/revoke`,
      clientId: env.IDP_CLIENT_ID,
      clientSecret: env.IDP_CLIENT_SECRET,
      authMethod: 'client_secret_basic',
      verifier: new JWTVerifier({ secret: upstreamKey, algorithms: ['HS256'], issuer: env.IDP, audience: `${env.IDP}/api` }),
    },
    baseUrl: env.ORIGIN,
    validScopes: ['mcp:tools'],
    requiredScopes: ['mcp:tools'],
    jwtSigningKey: env.SECRET,
    consent: { serverName: 'runtime-check' },
  });
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: 'runtime-check', version: '1.0.0' });
    server.registerTool('whoami', { description: 'The caller' }, async (ctx) => {
      const info = ctx.http?.authInfo;
      return {
        content: [
          { type: 'text', text: JSON.stringify({ clientId: info?.clientId, scopes: info?.scopes, subject: info?.extra?.subject }) },
        ],
      };
    });
    return server;
  });
  return createMcpAuthHandler({ auth, mcp });
}
