import { packageBuild } from '../../configs/tsup';

export default packageBuild(['src/index.ts', 'src/node.ts', 'src/mcp.ts']);
