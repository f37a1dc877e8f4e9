/**
 * What the buffered engine counts itself (page hits and misses at queue time, background reclaim
 * by reason, fsyncs) and how it turns that plus @biopath/page-cache's own counters into the
 * `cache` block of a job's result. @biopath/page-cache counts pages read and written, readahead
 * windows and reclaim scans, but not hits, misses, readahead pages or why the reclaim it runs by
 * itself (on a full cache) kept a folio: those are derived or counted here.
 */
import { emptyReclaimStats, filemapGetFolio, folioTestUptodate } from '@biopath/page-cache';
import type { AddressSpace, PageCache, ReclaimStats } from '@biopath/page-cache';
import type { CacheStats } from './engine.ts';
import type { IoU } from './io-unit.ts';
import { PAGE } from './cache-rules.ts';

export interface CacheCounts {
  hits: number;
  misses: number;
  /** Pages an IO itself made the cache read (absent for a read; absent and partly written for a write). */
  demand: number;
  /** Reads completed inline from the cache. */
  inline: number;
  reclaim: ReclaimStats;
  fsyncs: number;
  /** Clean pages dropped (drop_caches before a read-back and at the end). */
  dropped: number;
}

export function newCounts(): CacheCounts {
  return { hits: 0, misses: 0, demand: 0, inline: 0, reclaim: emptyReclaimStats(), fsyncs: 0, dropped: 0 };
}

/**
 * Before an IO reaches the cache: each page it touches is a hit (cached and uptodate) or a miss.
 * A miss the IO has to read itself is demand; the rest of what is read from the device was read ahead.
 */
export function accountPages(c: CacheCounts, as: AddressSpace, io: IoU): void {
  const first = Math.floor(io.offset / PAGE), end = io.offset + io.buflen, last = Math.floor((end - 1) / PAGE);
  for (let i = first; i <= last; i++) {
    const pfn = filemapGetFolio(as, i);
    if (pfn >= 0 && folioTestUptodate(as.pc, pfn)) {
      c.hits++;
      continue;
    }
    c.misses++;
    if (pfn >= 0) continue; // being read already (readahead in flight)
    const whole = i * PAGE >= io.offset && (i + 1) * PAGE <= end;
    if (io.ddir === 0 || !whole) c.demand++;
  }
}

export function cacheStatsOf(c: CacheCounts, pc: PageCache, as: AddressSpace): CacheStats {
  const r = c.reclaim, s = as.stats;
  return {
    capacity_bytes: pc.capacity * PAGE, readahead_kb: as.ra_pages * 4,
    hits: c.hits, misses: c.misses, ios_inline: c.inline,
    pages_read: s.nr_read, readahead_pages: Math.max(0, s.nr_read - c.demand), readahead_sync: s.nr_ra_sync, readahead_async: s.nr_ra_async,
    writeback_pages: s.nr_written, writeback_reqs: s.nr_write_reqs, flushes: s.nr_flushes,
    dirty_throttled: pc.stats.nr_dirty_throttled,
    reclaim_scanned: r.nr_scanned, reclaimed: r.nr_reclaimed,
    reclaim_skipped: {
      pinned: r.nr_skipped_pinned, locked: r.nr_skipped_locked, writeback: r.nr_skipped_writeback,
      dirty: r.nr_skipped_dirty, mapped: r.nr_skipped_mapped, busy: r.nr_skipped_busy,
    },
    direct_reclaim_scanned: Math.max(0, pc.stats.pgscan - r.nr_scanned),
    alloc_failures: pc.stats.nr_alloc_fail,
    fsyncs: c.fsyncs, dropped_pages: c.dropped,
    end_fsync_ms: 0,
  };
}
