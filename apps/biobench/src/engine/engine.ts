/**
 * An IO engine is a table of hooks, shaped like fio's `struct ioengine_ops` (ioengines.h):
 * `init` sets up and hands each io_u its buffer, `queue` takes one io_u and answers
 * completed / queued / busy, `commit` ends a batch, `getevents` reaps at least `min`
 * completions and `event(i)` names the i-th, `cleanup` gives everything back. The job loop
 * (job/run-loop.ts) drives any engine the same way; an engine holds its state in `D`.
 * An engine whose completions arrive on the event loop (promises, like the page cache's) is an
 * {@link AsyncIoEngine}: same hooks, but `getevents` and `cleanup` return promises and the job
 * loop awaits them (runPhaseAsync) instead of blocking.
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

/** Hooks every engine has, whatever the way it reaps. */
interface EngineHooks<D> {
  readonly name: 'uring' | 'stack';
  /** Before anything runs: why this engine cannot run `job` (a user-facing message), or ''. */
  check?(job: JobOptions): string;
  init(setup: EngineSetup): D;
  /** FIO_Q_COMPLETED (io.res set), FIO_Q_QUEUED, or FIO_Q_BUSY (nothing taken: commit and reap first). */
  queue(d: D, io: IoU): number;
  /** End of a batch: make queued IOs visible to the device (may be deferred into getevents). */
  commit(d: D): void;
  /** The i-th completion of the last getevents, with `res` set. */
  event(d: D, i: number): IoU;
  describe(d: D): EngineInfo;
  counters(d: D): PageCounters;
  /** Verify only: push `io.buf` to where the IO will read it from (engines whose `buf` is a copy). */
  syncToDevice?(d: D, io: IoU): void;
  /** Verify only: refresh `io.buf` with what a read brought in. */
  syncFromDevice?(d: D, io: IoU): void;
}

/** An engine that blocks in the kernel (io_uring_enter, the queue's wait) to reap. */
export interface IoEngine<D = unknown> extends EngineHooks<D> {
  readonly async?: false;
  /**
   * Wait for at least `min` completions (0 = do not block); returns how many `event` can name,
   * at most `max` (the rest wait for the next call).
   */
  getevents(d: D, min: number, max: number): number;
  cleanup(d: D): void;
}

/**
 * An engine whose IOs complete as promises settle (buffered IO through @biopath/page-cache): the
 * job loop awaits `getevents`, so the event loop can run the completions it waits for.
 */
export interface AsyncIoEngine<D = unknown> extends EngineHooks<D> {
  readonly async: true;
  /** Resolve once at least `min` completions are ready; to how many `event` can name (at most `max`). */
  getevents(d: D, min: number, max: number): Promise<number>;
  /**
   * fsync: everything written reaches the device and its write cache is flushed; with
   * `dropCaches` the clean cached pages are then dropped (drop_caches), so the next read comes
   * from the device. Resolves to 0 or a negative errno; no IO may be in flight.
   */
  fsync(d: D, dropCaches: boolean): Promise<number>;
  /** Page-cache counters since init. */
  cacheStats(d: D): CacheStats;
  cleanup(d: D): Promise<void>;
}

/** Any engine the job runner can drive. */
export type AnyIoEngine = IoEngine<unknown> | AsyncIoEngine<unknown>;

/** Why folios were kept by reclaim (the counters of @biopath/page-cache's ReclaimStats). */
export interface ReclaimSkips {
  pinned: number;
  locked: number;
  writeback: number;
  dirty: number;
  mapped: number;
  busy: number;
}

/** What biopath's page cache did during a buffered job (pages are 4 KiB). */
export interface CacheStats {
  capacity_bytes: number;
  /** Readahead window (read_ahead_kb); 0 = off. */
  readahead_kb: number;
  /** Pages a read or write found uptodate in the cache, and pages it did not. */
  hits: number;
  misses: number;
  /** Reads answered from the cache at queue time, without waiting (io_uring's nowait attempt). */
  ios_inline: number;
  /** Pages read from the device; of them, read ahead of demand; readahead windows started. */
  pages_read: number;
  readahead_pages: number;
  readahead_sync: number;
  readahead_async: number;
  /** Pages written back, write requests, device flushes. */
  writeback_pages: number;
  writeback_reqs: number;
  flushes: number;
  /** Writers made to wait for writeback (above the dirty threshold). */
  dirty_throttled: number;
  /** Background reclaim (the engine's kswapd) and what it kept, by reason. */
  reclaim_scanned: number;
  reclaimed: number;
  reclaim_skipped: ReclaimSkips;
  /** Reclaim scans the page cache ran itself when an allocation found it full (reasons not exposed). */
  direct_reclaim_scanned: number;
  alloc_failures: number;
  /** fsyncs run (end of job, before a verify read-back, at the end) and clean pages dropped after them. */
  fsyncs: number;
  dropped_pages: number;
  /** Time spent in the end-of-job fsync (--end-fsync), ms; 0 when none ran. */
  end_fsync_ms: number;
}

export const NO_PAGE_COUNTERS: PageCounters = { applicable: false, pins_acquired: 0, pins_released: 0, refs_taken: 0, refs_released: 0 };
