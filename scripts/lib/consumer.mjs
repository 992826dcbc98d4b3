// Shared by the packaging and runtime checks: pack the public packages and install the tarballs
// into a throwaway project outside the workspace, the way a user would (npm or pnpm, from the
// registry). Everything they download or cache stays inside the temporary directory.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

/** The public packages: every packages/* whose package.json is not private. */
export function publicPackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private);
}

/** The environment of every child process: no npm_* variables inherited from the outer `pnpm check`. */
export function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !/^pnpm_/i.test(k)));
  return { ...env, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false', ...extra };
}

/**
 * Run a command; resolve with its output, reject with the output when it exits non-zero or outlives `timeoutMs`.
 */
export function run(cmd, args, { cwd, env = cleanEnv(), timeoutMs = 300_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) ${signal ? `killed by ${signal}` : `exited ${code}`}\n${out}`));
    });
  });
}

/** `pnpm pack` every public package into `dest`; returns [{ name, tarball, manifest, dir }]. */
export async function packAll(dest) {
  mkdirSync(dest, { recursive: true });
  const packed = [];
  for (const { dir, manifest } of publicPackages()) {
    const before = new Set(readdirSync(dest));
    await run('pnpm', ['pack', '--pack-destination', dest], { cwd: dir });
    const created = readdirSync(dest).filter((f) => !before.has(f) && f.endsWith('.tgz'));
    if (created.length !== 1) throw new Error(`pnpm pack in ${dir} made ${created.length} tarballs`);
    packed.push({ name: manifest.name, tarball: join(dest, created[0]), manifest, dir });
  }
  return packed;
}

/** The version range a root or package devDependency pins, so the consumer uses what the workspace tests. */
export function workspaceRange(name) {
  for (const file of [join(root, 'package.json'), ...publicPackages().map((p) => join(p.dir, 'package.json'))]) {
    const m = JSON.parse(readFileSync(file, 'utf8'));
    const range = m.devDependencies?.[name] ?? m.dependencies?.[name];
    if (range && !range.startsWith('workspace:')) return range;
  }
  throw new Error(`no version of ${name} in the workspace`);
}

/**
 * Create a consumer project in `dir` depending on the tarballs (each one, core included, named
 * explicitly and pinned by an override, so a peer or transitive `@mcpauth/*` dependency resolves
 * to the tarball and never to the registry) plus `extraDeps`, and install it with `pm`.
 */
export async function installConsumer({ dir, pm, packed, extraDeps = {}, tmp, type = 'module' }) {
  mkdirSync(dir, { recursive: true });
  const own = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
  const manifest = { name: `consumer-${pm}`, version: '0.0.0', private: true, type, dependencies: { ...own, ...extraDeps } };
  if (pm === 'npm') manifest.overrides = own;
  else manifest.pnpm = { overrides: own };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // Caches and stores inside the temporary directory: nothing outside it is read from or written to.
  writeFileSync(
    join(dir, '.npmrc'),
    [
      `cache=${join(tmp, 'npm-cache')}`,
      `logs-dir=${join(tmp, 'npm-logs')}`,
      `store-dir=${join(tmp, 'pnpm-store')}`,
      `cache-dir=${join(tmp, 'pnpm-cache')}`,
      `state-dir=${join(tmp, 'pnpm-state')}`,
      'fund=false',
      'audit=false',
      'update-notifier=false',
      '',
    ].join('\n'),
  );
  const args =
    pm === 'npm'
      ? ['install', '--no-audit', '--no-fund', '--ignore-scripts']
      : ['install', '--ignore-scripts', '--config.confirmModulesPurge=false'];
  await run(pm, args, { cwd: dir, timeoutMs: 600_000 });
}
