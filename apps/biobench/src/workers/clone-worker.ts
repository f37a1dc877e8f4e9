/**
 * One numjobs clone on its own worker thread: its own engine instance (ring, stack, arena
 * buffers, page cache), the job run exactly as on the main thread, the result sent back as
 * plain data. Protocol with run-clones.ts: the worker loads and posts `ready`; on `go` it runs
 * the job; it posts `result` or `error` (name, message and errno-style `code`, so the main
 * thread rethrows what was thrown here) and then lets its thread end. A non-zero stop flag in
 * the shared array ends the measured phase early (another clone failed).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectEngine } from '../engine/registry.ts';
import { resultToWire } from '../job/result-wire.ts';
import { runJob } from '../job/run-job.ts';
import type { ProgressSink } from '../job/run-job.ts';
import type { CloneTask, FromClone } from './protocol.ts';

const port = parentPort!;
const task = workerData as CloneTask;

function post(m: FromClone): void {
  port.postMessage(m);
}

try {
  const { engine } = await selectEngine(task.engine, !task.async);
  port.once('message', () => {
    const target = { ...task.target, release: keepTarget }; // the main thread owns and releases it
    const progress: ProgressSink | undefined = task.progress ? {
      update: (elapsedMs, totalMs, dirs, ramping) => post({ type: 'progress', elapsedMs, totalMs, ios: [dirs[0].ios, dirs[1].ios], bytes: [dirs[0].bytes, dirs[1].bytes], ramping }),
    } : undefined;
    runJob(task.job, target, engine, progress, task.id, task.stop, new Set(task.set))
      .then((r) => post({ type: 'result', result: resultToWire(r) }))
      .catch((e: unknown) => post(errorMessage(e)))
      .finally(() => port.close());
  });
  post({ type: 'ready' });
} catch (e) {
  post(errorMessage(e));
  port.close();
}

function keepTarget(): void {
  // nothing: the main thread removes its temporary image when every clone has ended
}

function errorMessage(e: unknown): FromClone {
  const x = (e ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  return { type: 'error', name: String(x.name ?? 'Error'), message: String(x.message ?? e), code: typeof x.code === 'string' ? x.code : '' };
}
