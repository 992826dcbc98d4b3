/**
 * The enterprise agent of the demo's `enterprise` mode, end to end:
 * `pnpm --filter demo enterprise-client [MCP_URL] [ENTERPRISE_IDP_URL] [USER]`. It registers a
 * confidential client with the MCP server's authorization server, gets an ID-JAG for USER from the
 * enterprise identity provider (RFC 8693 token exchange), and lets the MCP SDK's
 * `CrossAppAccessProvider` trade it for an access token (jwt-bearer grant); then calls `whoami`.
 */
import { Client, CrossAppAccessProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { pathToFileURL } from 'node:url';

/** Register, get an ID-JAG, connect, call `whoami`; returns its text. */
export async function runEnterpriseAgent(mcpUrl: string, idpUrl: string, user: string): Promise<string> {
  const origin = new URL(mcpUrl).origin;
  const registered = await fetch(`${origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'enterprise agent',
      grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
      token_endpoint_auth_method: 'client_secret_basic',
    }),
  });
  if (registered.status !== 201) throw new Error(`registration failed: ${registered.status} ${await registered.text()}`);
  const { client_id: clientId, client_secret: clientSecret } = (await registered.json()) as { client_id: string; client_secret: string };

  const authProvider = new CrossAppAccessProvider({
    clientId,
    clientSecret,
    expectedIssuer: origin,
    assertion: async (ctx) => {
      // leg 1 (RFC 8693): the enterprise IdP exchanges the user's identity for an ID-JAG for this server
      const exchanged = await fetch(`${idpUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          requested_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
          subject_token: user,
          subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
          audience: ctx.authorizationServerUrl.replace(/\/$/, ''),
          resource: ctx.resourceUrl,
          scope: ctx.scope ?? 'mcp:tools',
          mcp_client_id: clientId,
        }),
      });
      if (!exchanged.ok) throw new Error(`token exchange failed: ${exchanged.status} ${await exchanged.text()}`);
      return ((await exchanged.json()) as { access_token: string }).access_token;
    },
  });
  const client = new Client({ name: 'enterprise-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider }));
  try {
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    return (result.content as { text: string }[])[0]!.text;
  } finally {
    await client.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [mcpUrl = 'http://127.0.0.1:8000/mcp', idpUrl, user = 'alice'] = process.argv.slice(2);
  if (!idpUrl) {
    console.error(
      'usage: pnpm --filter demo enterprise-client MCP_URL ENTERPRISE_IDP_URL [USER]  (the demo prints both in enterprise mode)',
    );
    process.exit(2);
  }
  runEnterpriseAgent(mcpUrl, idpUrl, user).then(
    (text) => console.log(text),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
