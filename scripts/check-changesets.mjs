// Every public package changed since the base branch has a changeset (`changeset status --since`).
// The base is $CHANGESET_BASE, else origin/<baseBranch>, else <baseBranch> (.changeset/config.json),
// the first that exists. On the base branch itself the comparison is empty and the check only
// validates the pending changesets. With no git history (a source tarball, or a shallow clone
// without the base branch) there is nothing to compare with: the check says so and passes.
// Usage: node scripts/check-changesets.mjs
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
const { baseBranch = 'main' } = JSON.parse(readFileSync(join(root, '.changeset/config.json'), 'utf8'));

if (git('rev-parse', '--is-inside-work-tree').status !== 0) {
  console.log('check-changesets: skipped, not a git checkout');
  process.exit(0);
}
const candidates = [process.env.CHANGESET_BASE, `origin/${baseBranch}`, baseBranch].filter(Boolean);
const base = candidates.find((ref) => git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).status === 0);
if (!base) {
  console.log(`check-changesets: skipped, none of ${candidates.join(', ')} exists in this clone (fetch the base branch to check)`);
  process.exit(0);
}
if (git('merge-base', base, 'HEAD').status !== 0) {
  console.log(`check-changesets: skipped, HEAD shares no history with ${base} (a shallow clone: fetch more history to check)`);
  process.exit(0);
}
const bin = join(root, 'node_modules/@changesets/cli/bin.js');
const status = spawnSync(process.execPath, [bin, 'status', `--since=${base}`], { cwd: root, stdio: 'inherit' });
if (status.status !== 0) {
  console.error(`check-changesets: a public package changed since ${base} has no changeset: run \`pnpm changeset\` (see RELEASING.md)`);
  process.exit(1);
}
console.log(`check-changesets: ok (since ${base})`);
