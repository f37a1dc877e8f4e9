import { biopathProject } from '../../vitest.project.ts';

export default biopathProject('native', ['test/**/*.test.ts']);
