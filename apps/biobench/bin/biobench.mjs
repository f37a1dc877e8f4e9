#!/usr/bin/env node
// biobench launcher: registers tsx (a root devDependency) in this process and runs the
// TypeScript entry, so `npx biobench` / `npm run biobench --` need no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
