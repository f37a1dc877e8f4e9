/**
 * The `stack` engine's buffered mode (`--direct 0`): each io_u is a read or write through
 * biopath's own page cache (@biopath/page-cache) — filemapRead with on-demand readahead,
 * filemapWrite into dirty folios — over the same bio path and driver as direct IO, with
 * writeback and fsync as block bios. Like io_uring's buffered reads, a read first tries the cache
 * without waiting (filemapReadNowait: a hit completes inline, FIO_Q_COMPLETED); otherwise it is
 * queued as a promise and reaped when it settles. Writes are always queued (filemapWrite is
 * async). `iodepth` IOs stay in flight; the job loop awaits getevents (an AsyncIoEngine).
 * A background reclaim pass (the engine's kswapd) keeps free frames above a watermark, so reclaim
 * happens where its skip reasons can be counted.
 */
import { completionAdd, completionEvent, completionsAlloc, takeCompletions, type Completions } from './completions.ts';
import { errno } from '@biopath/native';
import {
  createAddressSpace, createPageCache, emptyReclaimStats, filemapRead, filemapReadNowait, filemapWrite, fsync, invalidateMappingPages, shrinkPageCache,
} from '@biopath/page-cache';
import type { AddressSpace, CacheFile, PageCache, ReclaimStats } from '@biopath/page-cache';
import { destroyAddressSpace } from '@biopath/page-cache';
import type { AsyncIoEngine, CacheStats, EngineInfo, EngineSetup, PageCounters } from './engine.ts';
import { FIO_Q_COMPLETED, FIO_Q_QUEUED } from './io-unit.ts';
import type { IoU } from './io-unit.ts';
import { accountPages, cacheStatsOf, newCounts } from './cache-stats.ts';
import type { CacheCounts } from './cache-stats.ts';
import { cacheLowWatermark, PAGE } from './cache-rules.ts';
import { stackSetup, stackTeardown } from './stack-setup.ts';
import type { StackParts, WrapDriver } from './stack-setup.ts';
import { stackJobProblem } from './stack-rules.ts';

export interface CacheData extends Completions {
  p: StackParts;
  pc: PageCache;
  as: AddressSpace;
  /** The job's opener: one readahead state, as fio's one file per job. */
  file: CacheFile;
  /** getevents waiting for `want` completions. */
  wake: (() => void) | null;
  want: number;
  /** performance.now() when getevents last let the event loop run. */
  lastYield: number;
  /** Bytes a read had copied inline before it had to wait, per slot. */
  partial: Int32Array;
  /** Per-slot settle callbacks, made once so queueing allocates no closure. */
  onDone: ((n: number) => void)[];
  onFail: ((e: unknown) => void)[];
  /** Written since the last fsync. */
  dirty: boolean;
  counts: CacheCounts;
  reclaimScratch: ReclaimStats;
  wmarkLow: number;
  refBase: Int32Array;
  info: EngineInfo;
}

const EAGAIN = errno.EAGAIN!, EIO = errno.EIO!;
const YIELD_MS = 1;

/** A rejected page-cache call as a negative errno (BiopathError carries the name in `code`). */
function errnoOf(e: unknown): number {
  const code = (e as { code?: unknown })?.code;
  const n = typeof code === 'string' ? errno[code as keyof typeof errno] : undefined;
  return -(typeof n === 'number' ? n : EIO);
}

function complete(d: CacheData, slot: number, res: number): void {
  completionAdd(d, slot, res);
  if (d.wake !== null && d.nPend >= d.want) {
    const w = d.wake;
    d.wake = null;
    w();
  }
}

function init(s: EngineSetup, wrap?: WrapDriver): CacheData {
  const capacity = s.job.cache_size / PAGE;
  const p = stackSetup(s, wrap, capacity);
  try {
    const pc = createPageCache({ mem: p.mem, capacityPages: capacity });
    const size = Math.floor(p.bdev.bd_nr_sectors * 512 / PAGE) * PAGE;
    const as = createAddressSpace({ pc, bdev: p.bdev, size, readAheadKb: s.job.readahead / 1024 });
    const n = s.units.length;
    const d: CacheData = {
      p, pc, as, file: as.file, ...completionsAlloc(s.units),
      wake: null, want: 0, lastYield: 0, partial: new Int32Array(n), onDone: [], onFail: [], dirty: false, counts: newCounts(), reclaimScratch: emptyReclaimStats(),
      wmarkLow: cacheLowWatermark(s.job), refBase: p.mem.refcount.slice(),
      info: { engine: 'stack', strategy: 'cache', release: 'none', buffers: 'per-io', driver: s.job.driver, profile: p.profile, sqpoll: s.job.sqthread_poll, notes: p.notes },
    };
    for (const io of s.units) {
      const i = io.index;
      d.onDone.push((r) => complete(d, i, r + d.partial[i]!));
      d.onFail.push((e) => complete(d, i, errnoOf(e)));
      io.buf = new Uint8Array(s.maxBs); // the process's buffer: the cache copies to and from it
      io.addr = 0;
    }
    return d;
  } catch (e) {
    stackTeardown(p);
    throw e;
  }
}

/** Background reclaim: below the low watermark, free twice its headroom (counting what is kept). */
function kswapd(d: CacheData): void {
  const pc = d.pc;
  const free = pc.capacity - pc.nr_file_pages;
  if (free >= d.wmarkLow) return;
  const st = d.reclaimScratch;
  for (const k in st) st[k as keyof ReclaimStats] = 0;
  shrinkPageCache(pc, 2 * d.wmarkLow - free, st);
  const t = d.counts.reclaim;
  for (const k in st) t[k as keyof ReclaimStats] += st[k as keyof ReclaimStats];
}

function queue(d: CacheData, io: IoU): number {
  kswapd(d);
  const i = io.index;
  accountPages(d.counts, d.as, io);
  d.partial[i] = 0;
  if (io.ddir === 1) {
    d.dirty = true;
    filemapWrite(d.file, io.offset, io.buf, io.buflen).then(d.onDone[i], d.onFail[i]);
    return FIO_Q_QUEUED;
  }
  const r = filemapReadNowait(d.file, io.offset, io.buf, 0, io.buflen);
  if (r === io.buflen || (r < 0 && r !== -EAGAIN)) {
    if (r > 0) d.counts.inline++;
    io.res = r;
    return FIO_Q_COMPLETED;
  }
  const got = Math.max(0, r);
  d.partial[i] = got;
  filemapRead(d.file, io.offset + got, got ? io.buf.subarray(got, io.buflen) : io.buf, io.buflen - got).then(d.onDone[i], d.onFail[i]);
  return FIO_Q_QUEUED;
}

/**
 * Resolve once `min` completions are ready. With `min` 0 (every IO of the last batch completed
 * inline) give the event loop a turn at least every YIELD_MS, so the cache's IO pump (readahead
 * started by inline reads, writeback) is not starved by a stream of hits.
 */
async function getevents(d: CacheData, min: number, max: number): Promise<number> {
  if (min === 0) {
    const now = performance.now();
    if (now - d.lastYield >= YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      d.lastYield = performance.now();
    }
  } else if (d.nPend < min) {
    await new Promise<void>((resolve) => {
      d.want = min;
      d.wake = resolve;
    });
    d.lastYield = performance.now();
  }
  return takeCompletions(d, max);
}

const event = (d: CacheData, i: number): IoU => completionEvent(d, i);

async function cacheFsync(d: CacheData, dropCaches: boolean): Promise<number> {
  let err = 0;
  if (d.dirty || d.as.nr_dirty > 0) {
    try {
      await fsync(d.file);
    } catch (e) {
      err = errnoOf(e);
    }
    d.counts.fsyncs++;
    d.dirty = false;
  }
  if (dropCaches) d.counts.dropped += invalidateMappingPages(d.as);
  return err;
}

/** Pins from mm's counters; references: one per folio the cache added, given back when it drops it. */
function counters(d: CacheData): PageCounters {
  const rc = d.p.mem.refcount, base = d.refBase;
  let held = 0;
  for (let i = 0; i < base.length; i++) held += rc[i]! - base[i]!;
  const taken = d.pc.stats.nr_added;
  return { applicable: true, pins_acquired: d.p.mem.nrFollPinAcquired, pins_released: d.p.mem.nrFollPinReleased, refs_taken: taken, refs_released: taken - held };
}

async function cleanup(d: CacheData): Promise<void> {
  try {
    if (!d.as.dead) await destroyAddressSpace(d.as, { writeback: true });
  } finally {
    stackTeardown(d.p);
  }
}

/** The page cache submits its own bios (one per run of pages: readahead window, writeback batch). */
function noCommit(d: CacheData): void {
  void d;
}

/** The buffered stack engine; `wrapDriver` puts a driver in front of the real one (tests). */
export function createCacheEngine(opts: { wrapDriver?: WrapDriver } = {}): AsyncIoEngine<CacheData> {
  return {
    name: 'stack',
    async: true,
    check: stackJobProblem,
    init: (s) => init(s, opts.wrapDriver),
    queue,
    commit: noCommit,
    getevents,
    event,
    fsync: cacheFsync,
    cacheStats: (d): CacheStats => cacheStatsOf(d.counts, d.pc, d.as),
    cleanup,
    describe: (d) => d.info,
    counters,
  };
}

export const cacheEngine = createCacheEngine();
