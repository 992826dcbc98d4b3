import { packageBuild } from '../../configs/tsup';

export default packageBuild();
