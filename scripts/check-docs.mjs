// Every public export of every published package has TSDoc with an @example.
// Usage: node scripts/check-docs.mjs [package-dir ...]   (default: every packages/* with src/index.ts)
// The entry points are read from each package.json `exports` (`./dist/kit.js` → `src/kit.ts`).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const require = createRequire(import.meta.url);
const ts = require(require.resolve('typescript', { paths: [join(process.cwd(), 'packages/core')] }));

const dirs = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync('packages')
      .map((d) => join('packages', d))
      .filter((d) => existsSync(join(d, 'src/index.ts')));

/** The source file of every JavaScript entry point a package exports. */
function entryPoints(dir) {
  const { exports = {} } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const targets = Object.values(exports).flatMap(function files(target) {
    return typeof target === 'string' ? [target] : Object.values(target ?? {}).flatMap(files);
  });
  const sources = targets
    .map((t) => /^\.\/dist\/(.+)\.(?:c?js)$/.exec(t)?.[1])
    .filter(Boolean)
    .map((name) => join(dir, 'src', `${name}.ts`));
  const entries = [...new Set(sources)];
  const absent = entries.filter((e) => !existsSync(e));
  if (absent.length || entries.length === 0)
    throw new Error(`${dir}: no source for exported entry point(s) ${absent.join(', ') || '(none found)'}`);
  return entries;
}

let missing = 0;
for (const dir of dirs) {
  const entries = entryPoints(dir);
  const program = ts.createProgram(entries, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  for (const entry of entries) {
    const file = program.getSourceFile(entry);
    const moduleSymbol = checker.getSymbolAtLocation(file);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      // Types and interfaces document themselves through their members; values (functions, classes, constants) need an example.
      if (!(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable))) continue;
      const tags = symbol.getJsDocTags(checker);
      const docs = ts.displayPartsToString(symbol.getDocumentationComment(checker));
      if (!docs || !tags.some((t) => t.name === 'example')) {
        const decl = symbol.declarations?.[0];
        const where = decl ? `${relative(process.cwd(), decl.getSourceFile().fileName)}` : entry;
        console.log(`missing TSDoc @example: ${exported.name} (${where})`);
        missing++;
      }
    }
  }
}
if (missing) {
  console.log(`${missing} public export(s) without TSDoc and an @example`);
  process.exit(1);
}
console.log(
  `docs: every public function, class and constant of ${dirs.length} package(s) (every entry point in their exports) has TSDoc with an @example`,
);
