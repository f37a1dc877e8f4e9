import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'nvme', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
