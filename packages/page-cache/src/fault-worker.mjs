// Entry of the mmap fault worker threads: teach this thread to load TypeScript, then run the
// supervisor (the thread mmap starts) or the fault server (the thread the supervisor starts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.role === 'server' ? './fault-server.ts' : './fault-supervisor.ts');
