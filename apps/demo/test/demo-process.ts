import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the demo is started from there, as the README does. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A demo started as a child process. */
export interface DemoProcess {
  /** Public origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  mcpUrl: string;
  provider: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** The parent's environment without the demo's own settings (a developer's AUTH_PROVIDER must not leak in). */
function baseEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'AUTH_PROVIDER' && !name.startsWith('DEMO_')));
}

function spawnDemo(env: Record<string, string>): ChildProcess {
  // `pnpm --filter demo start` from the repository root, exactly as the README; its own process
  // group so that stop() ends pnpm, tsx and node together.
  return spawn('pnpm', ['--filter', 'demo', 'start'], {
    cwd: repoRoot,
    env: { ...baseEnv(), PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Start the demo and wait for its `DEMO_READY {…}` line. */
export function startDemo(env: Record<string, string> = {}, timeoutMs = 45_000): Promise<DemoProcess> {
  const child = spawnDemo(env);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<DemoProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`The demo did not print DEMO_READY within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = /^DEMO_READY (\{.*\})$/m.exec(output)?.[1];
      if (line) {
        clearTimeout(timer);
        const ready = JSON.parse(line) as { url: string; mcpUrl: string; provider: string };
        resolve({ ...ready, output: () => output, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The demo exited (${code}) before it was ready:\n${output}`));
    });
  });
}

/** Run the demo expecting it to stop on its own (a configuration error): its exit code and output. */
export function runDemoToExit(
  env: Record<string, string>,
  timeoutMs = 45_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnDemo(env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`The demo did not exit within ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
