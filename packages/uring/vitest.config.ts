import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'uring', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
