import { packageTests } from '../../configs/vitest';

export default packageTests();
