/**
 * A small MCP client for the terminal: `pnpm --filter demo client [MCP_URL] [TOOL] [JSON_ARGS]`.
 * It registers itself with the server (DCR), prints the authorization URL, waits for the browser
 * to come back to its loopback callback, then lists the tools and calls one (default `whoami`).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callWithOAuth, connectWithOAuth, MemoryOAuthClient } from './oauth-client.js';

const [mcpUrl = 'http://127.0.0.1:8000/mcp', tool = 'whoami', argsJson = '{}'] = process.argv.slice(2);

function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

async function main(): Promise<void> {
  const args = JSON.parse(argsJson) as Record<string, unknown>;
  let resolveCallback: ((url: URL) => void) | undefined;
  const callbacks = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(
      '<!doctype html><title>Signed in</title><p style="font:16px system-ui;margin:40px">Done. You can close this tab and return to the terminal.</p>',
    );
    resolveCallback?.(url);
  });
  await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
  const redirectUrl = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/callback`;

  const oauth = new MemoryOAuthClient(redirectUrl, (authorizationUrl) => {
    process.stdout.write(
      `\nOpen this URL in a browser to sign in:\n\n  ${authorizationUrl.href}\n\nWaiting for the browser to return to ${redirectUrl} ...\n`,
    );
    openBrowser(authorizationUrl.href);
    return new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Timed out after 5 minutes waiting for the sign-in')), 5 * 60_000);
      resolveCallback = (url) => {
        clearTimeout(timer);
        resolve(url);
      };
    });
  });

  try {
    const client = await connectWithOAuth(mcpUrl, oauth);
    const { tools } = await client.listTools();
    process.stdout.write(`\nConnected to ${mcpUrl}. Tools: ${tools.map((t) => t.name).join(', ')}\n\n${tool}:\n`);
    const result = await callWithOAuth(client, oauth, tool, args);
    for (const item of result.content as { type: string; text?: string }[]) {
      process.stdout.write(`${item.type === 'text' ? item.text : JSON.stringify(item)}\n`);
    }
    await client.close();
  } finally {
    callbacks.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`\n${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
