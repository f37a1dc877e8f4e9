/**
 * An IO engine is a table of hooks, shaped like fio's `struct ioengine_ops` (ioengines.h):
 * `init` sets up and hands each io_u its buffer, `queue` takes one io_u and answers
 * completed / queued / busy, `commit` ends a batch, `getevents` reaps at least `min`
 * completions and `event(i)` names the i-th, `cleanup` gives everything back. The job loop
 * (job/run-loop.ts) drives any engine the same way; an engine holds its state in `D`.
 */
import type { JobOptions } from '../options/table.ts';
import type { Target } from '../job-target/target.ts';
import type { IoU } from './io-unit.ts';

export interface EngineSetup {
  job: JobOptions;
  target: Target;
  /** `iodepth` slots; init sets each one's `buf` and `addr`. */
  units: IoU[];
  /** Largest IO of the job, bytes. */
  maxBs: number;
  /** The job (or its verify layout) writes: open for writing. */
  write: boolean;
}

/** What an engine actually ran with (a request it could not honour shows here, with a note). */
export interface EngineInfo {
  engine: 'uring' | 'stack';
  /** `raw` for the uring engine: the kernel, not biopath, takes the pages. */
  strategy: string;
  release: string;
  buffers: 'per-io' | 'registered';
  driver: string;
  profile: string | null;
  sqpoll: boolean;
  notes: string[];
}

/** Page references biopath took and gave back during the measured window. */
export interface PageCounters {
  /** False for engines where the kernel takes the pages (uring): the counts are then 0. */
  applicable: boolean;
  pins_acquired: number;
  pins_released: number;
  refs_taken: number;
  refs_released: number;
}

export interface IoEngine<D = unknown> {
  readonly name: 'uring' | 'stack';
  /** Before anything runs: why this engine cannot run `job` (a user-facing message), or ''. */
  check?(job: JobOptions): string;
  init(setup: EngineSetup): D;
  /** FIO_Q_COMPLETED (io.res set), FIO_Q_QUEUED, or FIO_Q_BUSY (nothing taken: commit and reap first). */
  queue(d: D, io: IoU): number;
  /** End of a batch: make queued IOs visible to the device (may be deferred into getevents). */
  commit(d: D): void;
  /** Wait for at least `min` completions (0 = do not block); returns how many `event` can name. */
  getevents(d: D, min: number): number;
  /** The i-th completion of the last getevents, with `res` set. */
  event(d: D, i: number): IoU;
  cleanup(d: D): void;
  describe(d: D): EngineInfo;
  counters(d: D): PageCounters;
  /** Verify only: push `io.buf` to where the IO will read it from (engines whose `buf` is a copy). */
  syncToDevice?(d: D, io: IoU): void;
  /** Verify only: refresh `io.buf` with what a read brought in. */
  syncFromDevice?(d: D, io: IoU): void;
}

export const NO_PAGE_COUNTERS: PageCounters = { applicable: false, pins_acquired: 0, pins_released: 0, refs_taken: 0, refs_released: 0 };
