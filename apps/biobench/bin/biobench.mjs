#!/usr/bin/env node
// biobench launcher: registers tsx (a root devDependency) in this process and runs the
// TypeScript entry, so `npx biobench` / `npm run biobench --` need no build step. The resolve hook
// adds the `@biopath/source` export condition, so the @biopath/* packages load from their sources
// too, as in the tests (their dist/ is for consumers and may be stale here).
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

const condition = 'export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, "@biopath/source"] }); }';
registerHooks(`data:text/javascript,${encodeURIComponent(condition)}`);
register();
await import('../src/cli.ts');
