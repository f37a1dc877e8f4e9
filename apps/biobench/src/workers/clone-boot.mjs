// Entry of a numjobs clone's worker thread: the same loader setup as bin/biobench.mjs (tsx, and
// the `@biopath/source` export condition so @biopath/* load from their sources), then the
// TypeScript worker. Nothing else runs here.
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

const condition = 'export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, "@biopath/source"] }); }';
registerHooks(`data:text/javascript,${encodeURIComponent(condition)}`);
register();
await import('./clone-worker.ts');
