#!/usr/bin/env node
// biopath-nbd launcher: registers tsx (a root devDependency) in this process and runs the
// TypeScript entry, with the `@biopath/source` export condition so the @biopath/* packages load
// from their sources (as apps/biobench/bin/biobench.mjs does).
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

const condition = 'export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, "@biopath/source"] }); }';
registerHooks(`data:text/javascript,${encodeURIComponent(condition)}`);
register();
await import('../src/cli.ts');
