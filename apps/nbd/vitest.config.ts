import { biopathProject } from '../../vitest.project.ts';

export default biopathProject('nbd');
