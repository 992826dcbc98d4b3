import { packageBuild } from '../../configs/tsup';

export default packageBuild(['src/index.ts', 'src/kit.ts', 'src/node.ts', 'src/mcp.ts']);
