import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/**
 * POST a JSON-RPC `ping` to an MCP endpoint, with `token` as the bearer token (none when left
 * out): the shortest request that goes through a bearer guard, for status and challenge checks.
 */
export function pingMcp(mcpUrl: string, token?: string): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: {
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
}

/**
 * Connect the MCP SDK v2 client to `mcpUrl` with `token` as a fixed bearer token (no OAuth flow),
 * call the tool `name`, and parse the JSON of its first text content.
 */
export async function callToolWithToken(mcpUrl: string, token: string, name = 'whoami'): Promise<Record<string, unknown>> {
  const client = new Client({ name: 'bearer-test-client', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  try {
    const result = await client.callTool({ name, arguments: {} });
    return JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, unknown>;
  } finally {
    await client.close();
  }
}
