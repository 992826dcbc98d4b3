// Packaging check: what a user installs from npm works as documented.
//  1. every public package.json has the metadata a registry page and a bundler need;
//  2. `pnpm pack` of each package ships LICENSE, README and dist, and nothing workspace-only
//     (no scripts, no devDependencies, no `workspace:` ranges, no sources, no source maps);
//  3. the tarballs, installed together with npm and with pnpm into throwaway projects outside the
//     workspace, typecheck under TypeScript's `nodenext` (ESM and CommonJS), `bundler` and `node10`
//     resolution, and every entry point loads with `import()` and `require()` (same exports);
//  4. the README code blocks typecheck against the installed packages and run under Node. A block
//     preceded by `<!-- fragment -->` is a fragment of a larger program: it is typechecked with
//     the names it leaves undeclared allowed (an option's typo still fails), its imports must
//     resolve, and it is not run; one that does not parse alone (an object member) keeps the import check.
// Usage: node scripts/check-packages.mjs [--keep]   (--keep leaves the temporary directory for a look)
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { cleanEnv, installConsumer, packAll, publicPackages, root, run, workspaceRange } from './lib/consumer.mjs';

/** What a fragment may leave to the program around it: undeclared names (and what follows from them). */
const LOOSE = ['TS2304', 'TS2552', 'TS18004', 'TS7006', 'TS7031', 'TS2451', 'TS1108'];

const keep = process.argv.includes('--keep');
const tmp = mkdtempSync(join(tmpdir(), 'mcpauth-packages-'));
const problems = [];
const started = Date.now();
const step = (msg) => console.log(`[check-packages ${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);

try {
  // 1. Manifest metadata.
  for (const { dir, manifest: m } of publicPackages()) {
    const where = relative(root, join(dir, 'package.json'));
    for (const field of ['description', 'license', 'homepage', 'bugs', 'engines', 'types'])
      if (!m[field]) problems.push(`${where}: no "${field}"`);
    if (!m.repository?.url || m.repository.directory !== relative(root, dir))
      problems.push(`${where}: "repository" needs url and directory "${relative(root, dir)}"`);
    if (!m.keywords?.length) problems.push(`${where}: no "keywords"`);
    if (typeof m.sideEffects !== 'boolean') problems.push(`${where}: say "sideEffects" (false when importing has no effect)`);
    if (!m.files?.includes('LICENSE') || !existsSync(join(dir, 'LICENSE'))) problems.push(`${where}: LICENSE must exist and be in "files"`);
    else if (readFileSync(join(dir, 'LICENSE'), 'utf8') !== readFileSync(join(root, 'LICENSE'), 'utf8'))
      problems.push(`${where}: LICENSE differs from the root LICENSE`);
    // TypeScript's node10 resolution ignores "exports": each subpath needs a typesVersions entry.
    for (const sub of Object.keys(m.exports ?? {})) {
      if (sub === '.' || sub.endsWith('.json')) continue;
      const key = sub.slice(2);
      if (!m.typesVersions?.['*']?.[key])
        problems.push(`${where}: export "${sub}" has no typesVersions["*"]["${key}"] (TypeScript "node10" resolution)`);
    }
  }

  // 2. Tarballs.
  step(`packing into ${tmp}`);
  const packed = await packAll(join(tmp, 'tarballs'));
  for (const p of packed) {
    const files = (await run('tar', ['-tzf', p.tarball]))
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const needed of ['LICENSE', 'README.md', 'package.json'])
      if (!files.includes(needed)) problems.push(`${p.name}: tarball has no ${needed}`);
    const shipped = files.filter((f) => !['LICENSE', 'README.md', 'package.json'].includes(f));
    for (const f of shipped) {
      if (!f.startsWith('dist/')) problems.push(`${p.name}: tarball ships ${f} (only dist/, README.md, LICENSE)`);
      else if (f.endsWith('.map')) problems.push(`${p.name}: tarball ships a source map ${f} (see RELEASING.md, "Source maps")`);
    }
    const packedManifest = JSON.parse(await run('tar', ['-xzOf', p.tarball, 'package/package.json']));
    for (const field of ['scripts', 'devDependencies'])
      if (packedManifest[field]) problems.push(`${p.name}: packed package.json has "${field}" (see .pnpmfile.cjs)`);
    if (JSON.stringify(packedManifest).includes('workspace:')) problems.push(`${p.name}: packed package.json has a workspace: range`);
    p.packedManifest = packedManifest;
  }

  // What a consumer imports: every subpath export of every package.
  const specifiers = packed.flatMap((p) =>
    Object.keys(p.packedManifest.exports ?? { '.': null })
      .filter((s) => !s.endsWith('.json'))
      .map((s) => (s === '.' ? p.name : `${p.name}/${s.slice(2)}`)),
  );
  const blocks = readmeBlocks(packed);
  const envForBlocks = blockEnv(blocks);
  // Imported by the README blocks without being a dependency of one of our packages.
  const extraDeps = {
    typescript: workspaceRange('typescript'),
    '@types/node': workspaceRange('@types/node'),
    '@modelcontextprotocol/server': workspaceRange('@modelcontextprotocol/server'),
    ioredis: workspaceRange('ioredis'),
    pino: workspaceRange('pino'),
    winston: workspaceRange('winston'),
  };

  // 3 + 4, for npm and pnpm side by side.
  await Promise.all(
    ['npm', 'pnpm'].map(async (pm) => {
      const dir = join(tmp, `consumer-${pm}`);
      step(`${pm}: installing the tarballs`);
      await installConsumer({ dir, pm, packed, extraDeps, tmp });
      step(`${pm}: installed`);
      writeSources(dir, specifiers, blocks);
      const tsc = join(dir, 'node_modules/typescript/bin/tsc');
      for (const project of ['tsconfig.nodenext.json', 'tsconfig.bundler.json', 'tsconfig.node10.json']) {
        try {
          await run(process.execPath, [tsc, '-p', project], { cwd: dir });
        } catch (err) {
          problems.push(`${pm}: tsc -p ${project} failed:\n${err.message}`);
        }
      }
      if (pm === 'npm') {
        // Fragments, loosely: the whole block typechecks except for the names it leaves to its context.
        const out = await run(process.execPath, [tsc, '-p', 'tsconfig.fragments.json'], { cwd: dir }).catch((err) => err.message);
        const errors = out.split('\n').filter((l) => /error TS\d+/.test(l) && !LOOSE.some((code) => l.includes(`error ${code}:`)));
        if (errors.length)
          problems.push(`README fragments that do not typecheck (beyond the names they leave undeclared):\n${errors.join('\n')}`);
      }
      try {
        const out = await run(process.execPath, ['entries.mjs'], { cwd: dir });
        if (out.trim()) console.log(out.trim().replace(/^/gm, `  ${pm}: `));
      } catch (err) {
        problems.push(`${pm}: import()/require() of the entry points failed:\n${err.message}`);
      }
      step(`${pm}: typechecked; running the README blocks`);
      for (const block of blocks.filter((b) => !b.fragment)) {
        const outcome = await runBlock(dir, block, envForBlocks);
        if (outcome) problems.push(`${pm}: ${block.where} ${outcome}`);
      }
    }),
  );
  step(
    `${blocks.filter((b) => !b.fragment).length} README blocks run, ${blocks.filter((b) => b.fragment).length} fragments checked loosely, ${specifiers.length} entry points, npm and pnpm`,
  );
} catch (err) {
  problems.push(err.stack ?? String(err));
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

if (problems.length) {
  console.error(`\n${problems.length} packaging problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('check-packages: ok');

/** The ```ts blocks of the root and package READMEs; `<!-- fragment -->` on the line before marks a fragment. */
function readmeBlocks(packed) {
  const readmes = [join(root, 'README.md'), ...packed.map((p) => join(p.dir, 'README.md'))];
  const blocks = [];
  for (const file of readmes) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
      const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
      let prev = i - 1;
      while (prev >= 0 && !lines[prev].trim()) prev--;
      const fragment = prev >= 0 && /<!--\s*fragment\b/.test(lines[prev]);
      const rel = relative(root, file);
      blocks.push({
        where: `${rel}:${i + 1}`,
        id: `${rel.replace(/[^a-z0-9]+/gi, '_')}_${i + 1}`,
        code: lines.slice(i + 1, end).join('\n'),
        fragment,
      });
      i = end;
    }
  }
  return blocks;
}

/** Values for the environment variables the blocks read: random secrets, and URLs that need no network. */
function blockEnv(blocks) {
  const env = {};
  for (const b of blocks) {
    for (const [, name] of b.code.matchAll(/process\.env\.([A-Z0-9_]+)/g)) {
      if (name === 'REDIS_URL')
        env[name] = 'redis://127.0.0.1:1'; // nothing listens: connecting fails, constructing does not
      else if (name.endsWith('_URL')) env[name] = 'https://project.example.com';
      else env[name] = randomBytes(32).toString('base64url');
    }
  }
  return env;
}

function writeSources(dir, specifiers, blocks) {
  // skipLibCheck as `tsc --init` writes it: the declaration files themselves are checked by the
  // build (tsup's dts) and attw; here the question is whether every import resolves and typechecks.
  const base = { strict: true, skipLibCheck: true, target: 'es2022', types: ['node'] };
  const tsconfig = (name, compilerOptions, files) =>
    writeFileSync(join(dir, name), `${JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, files }, null, 2)}\n`);
  const esmImports = specifiers.map((s, i) => `import * as m${i} from '${s}';\nvoid m${i};`).join('\n');
  const cjsImports = specifiers.map((s, i) => `import m${i} = require('${s}');\nvoid m${i};`).join('\n');
  writeFileSync(join(dir, 'esm.ts'), `${esmImports}\nexport {};\n`);
  writeFileSync(join(dir, 'cjs.cts'), `${cjsImports}\nexport {};\n`);
  writeFileSync(join(dir, 'bundler.ts'), `${esmImports}\nexport {};\n`);
  writeFileSync(join(dir, 'node10.ts'), `${cjsImports}\nexport {};\n`);

  // README blocks: complete ones as they are, fragments reduced to their import declarations.
  mkdirSync(join(dir, 'readme'), { recursive: true });
  const readme = [];
  for (const b of blocks) {
    const file = `readme/${b.id}.ts`;
    writeFileSync(join(dir, file), `${b.fragment ? importsOf(b.code) : b.code}\nexport {};\n`);
    readme.push(file);
  }
  // A fragment that is not even a statement list (an object member, say) keeps only the import check.
  const ts = createRequire(join(dir, 'package.json'))('typescript');
  const parses = (code) => !ts.transpileModule(code, { reportDiagnostics: true, fileName: 'x.ts' }).diagnostics?.length;
  mkdirSync(join(dir, 'fragments'), { recursive: true });
  const fragments = blocks
    .filter((b) => b.fragment && parses(b.code))
    .map((b) => {
      writeFileSync(join(dir, 'fragments', `${b.id}.ts`), `${b.code}\nexport {};\n`);
      return `fragments/${b.id}.ts`;
    });
  tsconfig(
    'tsconfig.fragments.json',
    { noEmit: true, noImplicitAny: false, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023'] },
    fragments,
  );
  // nodenext, what a Node user compiles with (no DOM lib): .ts is ESM (the package is
  // "type": "module"), .cts is CommonJS; the README blocks are compiled to out/ and run from there.
  tsconfig('tsconfig.nodenext.json', { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023'], rootDir: '.', outDir: 'out' }, [
    'esm.ts',
    'cjs.cts',
    ...readme,
  ]);
  tsconfig('tsconfig.bundler.json', { noEmit: true, module: 'esnext', moduleResolution: 'bundler', lib: ['es2023', 'dom'] }, [
    'bundler.ts',
  ]);
  tsconfig(
    'tsconfig.node10.json',
    { noEmit: true, module: 'commonjs', moduleResolution: 'node10', lib: ['es2023', 'dom'], esModuleInterop: true },
    ['node10.ts'],
  );
  writeFileSync(
    join(dir, 'entries.mjs'),
    `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const specifiers = ${JSON.stringify(specifiers)};
const problems = [];
for (const s of specifiers) {
  const esm = await import(s);
  const cjs = require(s);
  const names = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort().join(',');
  if (!names(esm)) problems.push(s + ': import() has no exports');
  if (names(esm) !== names(cjs)) problems.push(s + ': import() and require() export different names');
}
if (problems.length) { console.error(problems.join('\\n')); process.exit(1); }
`,
  );
}

/** The import declarations of a fragment (the only part checked), so a renamed export still fails. */
function importsOf(code) {
  return [...code.matchAll(/^import\s[\s\S]*?from\s+['"][^'"]+['"];?/gm)].map((m) => m[0]).join('\n');
}

/**
 * Run a compiled block with Node: it passes when it exits 0, or is still running after a few
 * seconds (a server). Servers listen on an ephemeral port (see the preload) so blocks that name a
 * port run side by side with anything else on the machine.
 */
async function runBlock(dir, block, env) {
  const js = join(dir, 'out', 'readme', `${block.id}.js`);
  if (!existsSync(js)) return 'was not compiled (see the tsc errors above)';
  const preload = join(dir, 'ephemeral-port.mjs');
  if (!existsSync(preload))
    writeFileSync(
      preload,
      `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number') args[0] = 0;
  else if (args[0] && typeof args[0] === 'object' && 'port' in args[0]) args[0] = { ...args[0], port: 0 };
  this.once('listening', () => setTimeout(() => { this.close(); this.closeAllConnections?.(); }, 200).unref());
  return listen.apply(this, args);
};
`,
    );
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', preload, js], {
      cwd: join(dir, 'out'),
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let stillRunning = false;
    const timer = setTimeout(() => {
      stillRunning = true; // a server, or a client retrying a connection
      child.kill('SIGKILL');
    }, 5_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise(
        code === 0 || stillRunning ? undefined : `${signal ? `was killed by ${signal}` : `exited ${code}`} under Node:\n${out}`,
      );
    });
  });
}
