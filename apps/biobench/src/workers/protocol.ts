/** Messages between the main thread (run-clones.ts) and a clone's worker (clone-worker.ts). */
import type { CloneId } from '../job/run-job.ts';
import type { ResultWire } from '../job/result-wire.ts';
import type { JobOptions } from '../options/table.ts';
import type { Target } from '../job-target/target.ts';

/** The worker's `workerData`. */
export interface CloneTask {
  job: JobOptions;
  /** The main thread's target, minus its release function (the main thread releases it). */
  target: Omit<Target, 'release'>;
  engine: 'uring' | 'stack';
  /** The engine reaps by awaiting (buffered IO through biopath's page cache). */
  async: boolean;
  id: CloneId;
  /** Options the user set (the JSON's "job options"). */
  set: string[];
  /** Shared stop flag: index 0 non-zero = end the measured phase now. */
  stop: Int32Array;
  /** Post `progress` messages (about every 200 ms of the measured phase). */
  progress: boolean;
}

export type FromClone =
  | { type: 'ready' }
  | { type: 'progress'; elapsedMs: number; totalMs: number; ios: [number, number]; bytes: [number, number]; ramping: boolean }
  | { type: 'result'; result: ResultWire }
  | { type: 'error'; name: string; message: string; code: string };
