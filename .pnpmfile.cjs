// pnpm hooks. beforePacking shapes the package.json that `pnpm pack` / `pnpm publish` put in the
// tarball: what a consumer installs carries no build scripts and no workspace-only devDependencies.
module.exports = {
  hooks: {
    beforePacking(pkg) {
      delete pkg.scripts;
      delete pkg.devDependencies;
      return pkg;
    },
  },
};
