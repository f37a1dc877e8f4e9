/**
 * numjobs on worker threads: every clone of a run group on its own Worker (clone-worker.ts), all
 * started together (each loads, then all get `go` at once, as fio starts a group's threads), their
 * results rebuilt on the main thread in clone order. The first failure — a worker's thrown error,
 * a crash, an exit before its result — stops the others (shared stop flag), waits for them to
 * give their rings and buffers back, and is rethrown here with the worker's `code`. Every worker
 * has ended when this returns or throws.
 */
import { Worker } from 'node:worker_threads';
import { RunError, UsageError } from '../cli/errors.ts';
import type { AnyIoEngine } from '../engine/engine.ts';
import type { Target } from '../job-target/target.ts';
import { resultFromWire } from '../job/result-wire.ts';
import type { CloneId, JobResult, ProgressSink } from '../job/run-job.ts';
import type { JobOptions } from '../options/table.ts';
import { newDirs } from '../stats/io-stats.ts';
import type { Dirs } from '../stats/io-stats.ts';
import type { CloneTask, FromClone } from './protocol.ts';

const BOOT = new URL('./clone-boot.mjs', import.meta.url);

let live = 0, started = 0;

/** Clone workers started and not yet ended (for tests: 0 after every run). */
export function liveCloneWorkers(): number {
  return live;
}

/** Clone workers started by this process so far. */
export function cloneWorkersStarted(): number {
  return started;
}

export interface CloneSpec {
  job: JobOptions;
  id: CloneId;
  /** Options the user set (the JSON's "job options"). */
  set?: ReadonlySet<string>;
}

interface Running {
  worker: Worker;
  ready: Promise<void>;
  result: Promise<JobResult>;
  exited: Promise<void>;
}

/** The Error a worker reported, rebuilt with its name's class and its code. */
function rebuild(m: { name: string; message: string; code: string }, job: JobOptions, id: CloneId): Error {
  const msg = `${job.name} (clone ${id.clone}, job ${id.index}, worker thread): ${m.message}`;
  if (m.name === 'UsageError') return new UsageError(msg, m.code || 'EINVAL');
  if (m.name === 'RunError') return new RunError(msg, m.code || 'EIO');
  return Object.assign(new Error(msg), { code: m.code || 'EIO' });
}

function ignore(): void {
  // a rejection seen through another promise (or after the run ended)
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void, reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(ignore); // observed by whoever awaits it; never an unhandled rejection
  return { promise, resolve, reject };
}

function start(spec: CloneSpec, target: Target, engine: AnyIoEngine, stop: Int32Array, onProgress: ((m: Progressed) => void) | null): Running {
  const { release: _r, ...t } = target;
  const task: CloneTask = { job: spec.job, target: t, engine: engine.name, async: engine.async === true, id: spec.id, set: [...(spec.set ?? [])], stop, progress: onProgress !== null };
  const worker = new Worker(BOOT, { workerData: task });
  live++;
  started++;
  const ready = deferred<void>(), result = deferred<JobResult>();
  const fail = (e: Error): void => {
    ready.reject(e);
    result.reject(e);
  };
  worker.on('message', (m: FromClone) => {
    if (m.type === 'ready') ready.resolve();
    else if (m.type === 'progress') onProgress?.(m);
    else if (m.type === 'result') result.resolve(resultFromWire(m.result, target));
    else fail(rebuild(m, spec.job, spec.id));
  });
  worker.on('error', (e: Error) => fail(rebuild({ name: e.name, message: e.message, code: (e as { code?: string }).code ?? '' }, spec.job, spec.id)));
  const exited = new Promise<void>((res) => worker.once('exit', (code) => {
    live--;
    fail(new RunError(`${spec.job.name} (clone ${spec.id.clone}, job ${spec.id.index}): its worker thread ended (exit code ${code}) without a result`));
    res();
  }));
  return { worker, ready: ready.promise, result: result.promise, exited };
}

/** How long a clone may take to end after its result or the stop flag before it is terminated. */
const EXIT_GRACE_MS = 10_000;

type Progressed = Extract<FromClone, { type: 'progress' }>;

/** One progress line for the group: the clones' IOs and bytes summed, the furthest clone's time. */
function groupProgress(n: number, sink: ProgressSink): (k: number) => (m: Progressed) => void {
  const last: (Progressed | null)[] = Array.from({ length: n }, () => null);
  const dirs: Dirs = newDirs();
  return (k) => (m) => {
    last[k] = m;
    const seen = last.filter((x) => x !== null);
    for (const d of [0, 1] as const) {
      dirs[d].ios = seen.reduce((a, x) => a + x.ios[d], 0);
      dirs[d].bytes = seen.reduce((a, x) => a + x.bytes[d], 0);
    }
    sink.update(Math.max(...seen.map((x) => x.elapsedMs)), m.totalMs, dirs, seen.some((x) => x.ramping));
  };
}

/**
 * Run the clones at once, one worker each; resolves to their results in `specs` order. With
 * `progress`, the clones report about every 200 ms and it shows their sum.
 */
export async function runClones(specs: CloneSpec[], target: Target, engine: AnyIoEngine, progress?: ProgressSink): Promise<JobResult[]> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const report = progress ? groupProgress(specs.length, progress) : null;
  const all = specs.map((s, k) => start(s, target, engine, stop, report ? report(k) : null));
  let started = false;
  try {
    await Promise.all(all.map((r) => r.ready));
    for (const r of all) r.worker.postMessage('go');
    started = true;
    return await Promise.all(all.map((r) => r.result));
  } finally {
    Atomics.store(stop, 0, 1);
    // a clone still measuring stops at its next reap and cleans up; one never started is just ended
    if (!started) for (const r of all) void r.worker.terminate();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((res) => (timer = setTimeout(res, EXIT_GRACE_MS)));
    await Promise.race([Promise.all(all.map((r) => r.exited)), grace]);
    clearTimeout(timer);
    for (const r of all) void r.worker.terminate(); // no-op for a worker that has ended
    await Promise.all(all.map((r) => r.exited));
  }
}
