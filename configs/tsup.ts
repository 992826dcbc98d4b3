import { defineConfig } from 'tsup';

/** The build of every published package: ESM + CJS + `.d.ts` for each entry point. */
export function packageBuild(entry: string[] = ['src/index.ts']) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: false, // see RELEASING.md, "Source maps"
    clean: true,
    target: 'es2022',
    treeshake: true,
  });
}
