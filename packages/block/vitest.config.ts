import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'block', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
