import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'native', testTimeout: 60_000, hookTimeout: 60_000, include: ['test/**/*.test.ts'] },
});
