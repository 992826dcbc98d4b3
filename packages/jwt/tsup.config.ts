import { packageBuild } from '../../configs/tsup';

export default packageBuild(['src/index.ts', 'src/testing.ts']);
