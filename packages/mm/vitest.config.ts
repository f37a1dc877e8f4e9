import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'mm', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
