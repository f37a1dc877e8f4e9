// Entry of the mmap fault worker threads: run the supervisor (the thread mmap starts) or the fault
// server (the thread the supervisor starts). Built, this file sits in dist/ beside the compiled
// `.js` modules and plain Node runs them. In the workspace it sits in src/ beside the `.ts`
// sources: then teach this thread to load TypeScript (tsx, a devDependency) and to resolve the
// `@biopath/*` packages to their sources (the `@biopath/source` export condition), as vitest does.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

const name = workerData.role === 'server' ? 'fault-server' : 'fault-supervisor';
const built = new URL(`./${name}.js`, import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const condition = 'export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, "@biopath/source"] }); }';
  register(`data:text/javascript,${encodeURIComponent(condition)}`);
  const tsx = 'tsx/esm/api';
  (await import(tsx)).register();
  await import(new URL(`./${name}.ts`, import.meta.url).href);
}
