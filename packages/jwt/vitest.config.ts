import { mergeConfig } from 'vitest/config';
import { packageTests } from '../../configs/vitest';

// Every verifier test runs twice: `native` as it runs on Node (the node:crypto fast path), and
// `jose` as on a runtime without node:crypto (Workers, browsers), where every token goes through
// jose. The tests of the fast path itself (and the differential test, jose against it) run once.
// The heap benchmark and the retention test collect garbage before they measure.
const ONLY_NATIVE = ['test/native/**', 'test/sha256.test.ts', 'test/rsa-key-pair.test.ts'];

export default mergeConfig(packageTests(), {
  test: {
    execArgv: ['--expose-gc'],
    projects: [
      { extends: true, test: { name: 'native' } },
      // benchmarks run once, in the native project (they compare both paths themselves)
      {
        extends: true,
        test: { name: 'jose', setupFiles: ['test/setup/without-node-crypto.ts'], exclude: ONLY_NATIVE, benchmark: { exclude: ['**'] } },
      },
    ],
  },
});
