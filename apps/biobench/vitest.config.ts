import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'biobench', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
