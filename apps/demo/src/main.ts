/**
 * Start the demo: `pnpm demo` at the repository root, or `pnpm --filter demo start`.
 * Configuration comes from environment variables (see README.md); with none it runs a local
 * OpenID provider so the whole OAuth flow works offline.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@mcpauth/core/node';
import { createDemo, type Demo } from './app.js';
import { ConfigError, loadConfig, publicOrigin } from './config.js';
import { banner } from './page.js';

/** Printed once the server answers, for scripts and tests: `DEMO_READY {"url":…,"mcpUrl":…,"provider":…}`. */
const READY_PREFIX = 'DEMO_READY ';

function fail(message: string, code: number): never {
  process.stderr.write(`\n${message}\n\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);

  // Listen first, so PORT=0 works: the public origin (and so the OAuth redirect URIs) needs the port.
  let listener = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' }).end('Starting');
  };
  const server = createServer((req, res) => listener(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new ConfigError(`PORT ${config.port} is already in use; set PORT to another port (PORT=0 picks a free one)`, ['PORT']);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
      throw new ConfigError(`DEMO_HOST "${config.host}" is not an address of this machine`, ['DEMO_HOST']);
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const origin = publicOrigin(config, port);

  let demo: Demo;
  try {
    demo = await createDemo(config, origin, process.env);
  } catch (err) {
    server.close();
    throw err;
  }
  listener = toNodeHandler(demo.handler, { baseUrl: origin });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    void demo.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  process.stdout.write(`${banner(demo.info)}\n`);
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ url: origin, mcpUrl: demo.info.mcpUrl, provider: demo.info.provider.name })}\n`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) fail(`Configuration error: ${err.message}`, 2);
  const message = err instanceof Error ? err.message : String(err);
  if (process.env['DEBUG']) console.error(err);
  fail(`The demo could not start: ${message}${process.env['DEBUG'] ? '' : '\n(set DEBUG=1 for details)'}`, 1);
});
