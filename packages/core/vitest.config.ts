import { mergeConfig } from 'vitest/config';
import { packageTests } from '../../configs/vitest';

// the grant-memory benchmark collects garbage before it measures
export default mergeConfig(packageTests(), { test: { execArgv: ['--expose-gc'] } });
