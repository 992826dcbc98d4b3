import { mergeConfig } from 'vitest/config';
import { packageTests } from '../../configs/vitest';

// the heap benchmark and the retention test collect garbage before they measure
export default mergeConfig(packageTests(), { test: { execArgv: ['--expose-gc'] } });
