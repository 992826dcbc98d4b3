import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Node HTTP server on a free loopback port. */
export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serve a Node request listener on a free loopback port. */
export async function listen(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
