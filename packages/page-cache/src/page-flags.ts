/**
 * Folio flags the page cache keeps beside mm's `MemMap.flags` (which holds PG_locked, PG_uptodate
 * and PG_dirty, shared with GUP and the emulated mm). One Uint16 per pfn in {@link PageCache.flags},
 * meaningful on folio heads (page-cache folios are order 0 here).
 * @kernel include/linux/page-flags.h enum pageflags
 */

/** Folio is being written to the device. */
export const PG_writeback = 1 << 0;
/** Folio is on an LRU list. */
export const PG_lru = 1 << 1;
/** Folio is on the active list. */
export const PG_active = 1 << 2;
/** Accessed since it was last scanned (second chance). */
export const PG_referenced = 1 << 3;
/** First folio of the async part of a readahead window: touching it triggers the next window. */
export const PG_readahead = 1 << 4;
/** The last read or write of this folio failed. */
export const PG_error = 1 << 5;
/**
 * Frame of a live mmap run: a userfaultfd-served view maps it, so its uptodate state is shared
 * with the fault worker ({@link MmapRun}) and it is unevictable until munmap (biopath-specific).
 */
export const PG_mmap_run = 1 << 6;

/** Names for diagnostics, bit order. */
export const PC_FLAG_NAMES: readonly string[] = [
  'writeback', 'lru', 'active', 'referenced', 'readahead', 'error', 'mmap_run',
];
