import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A running `redis-server` on loopback. */
export interface RedisHarness {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start a real `redis-server` (Debian package; `REDIS_SERVER` overrides the binary) on a free
 * loopback port with no persistence, or on `port` (to restart a server that was closed, for
 * clients that reconnect). Throws when the binary is missing.
 */
export async function startRedis(options: { port?: number } = {}): Promise<RedisHarness> {
  const bin = process.env['REDIS_SERVER'] ?? 'redis-server';
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10s')), 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${bin}: ${err.message} (apt-get install redis-server)`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
