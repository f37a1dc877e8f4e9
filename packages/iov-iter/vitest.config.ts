import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'iov-iter', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
