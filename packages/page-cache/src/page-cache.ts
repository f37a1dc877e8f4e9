/**
 * The node-wide side of the page cache: which frames hold file data for which address space, the
 * two LRU lists reclaim walks, the capacity limit and the dirty threshold. One per MemMap; any
 * number of {@link AddressSpace}s share it, the way every file shares a node's lruvec.
 * @kernel include/linux/mmzone.h struct lruvec; include/linux/mm_types.h folio->mapping, folio->index
 */
import { PAGE_SIZE, type MemMap } from '@biopath/mm';
import { BiopathError } from './internal/native.ts';
import type { AddressSpace } from './address-space.ts';

/** LRU list numbers (file lists only: the cache holds no anonymous memory). @kernel enum lru_list */
export const LRU_INACTIVE_FILE = 0;
export const LRU_ACTIVE_FILE = 1;

/** One intrusive LRU list: pfns linked through {@link PageCache.lru_next}/`lru_prev`. */
export interface LruList {
  /** Most recently added pfn, or -1. */
  head: number;
  /** Oldest pfn (reclaim scans from here), or -1. */
  tail: number;
  nr: number;
}

/** Counters, kernel vmstat names where one exists. */
export interface PageCacheStats {
  /** Folios added to the cache. @kernel NR_FILE_PAGES increments */
  nr_added: number;
  /** Folios reclaimed by {@link shrinkPageCache}. @kernel PGSTEAL_FILE */
  pgsteal: number;
  /** Folios scanned by reclaim. @kernel PGSCAN_FILE */
  pgscan: number;
  /** Folios refused because reclaim could not make room. */
  nr_alloc_fail: number;
  /** Writers throttled waiting for writeback. */
  nr_dirty_throttled: number;
}

export interface PageCacheOpts {
  mem: MemMap;
  /** Most frames the cache may hold; reclaim runs when an addition would exceed it. */
  capacityPages: number;
  /** Fraction of capacity that may be dirty before writers wait for writeback (default 0.5). */
  dirtyRatio?: number;
}

export class PageCache {
  readonly mem: MemMap;
  /** Most frames the cache may hold. */
  capacity: number;
  /** @kernel NR_FILE_PAGES */
  nr_file_pages = 0;
  /** @kernel NR_FILE_DIRTY */
  nr_dirty = 0;
  /** @kernel NR_WRITEBACK */
  nr_writeback = 0;
  /** Dirty folios above which writers are throttled. @kernel dirty_thresh */
  dirty_thresh: number;
  /** Page-cache folio flags (PG_writeback, PG_lru, ...), per pfn. */
  readonly flags: Uint16Array;
  /** Id of the owning address space per pfn (0: not a page-cache folio). @kernel folio->mapping */
  readonly mapping: Int32Array;
  /** Page index in the owner per pfn. @kernel folio->index */
  readonly index: Float64Array;
  readonly lru_next: Int32Array;
  readonly lru_prev: Int32Array;
  /** [LRU_INACTIVE_FILE, LRU_ACTIVE_FILE]. */
  readonly lists: [LruList, LruList] = [{ head: -1, tail: -1, nr: 0 }, { head: -1, tail: -1, nr: 0 }];
  /** Address spaces by id (slot 0 unused). */
  readonly spaces: (AddressSpace | null)[] = [null];
  /** Waiters per pfn on PG_locked / PG_writeback (the kernel's hashed folio wait queues). */
  readonly waiters = new Map<number, Array<() => void>>();
  /** One page of scratch memory (staging a write into an mmap-run frame). */
  readonly scratch = new Uint8Array(PAGE_SIZE);
  /** Cached 4096-byte views of frames, so copies never allocate. */
  readonly views: (Uint8Array | undefined)[];
  readonly stats: PageCacheStats = { nr_added: 0, pgsteal: 0, pgscan: 0, nr_alloc_fail: 0, nr_dirty_throttled: 0 };

  constructor(mem: MemMap, capacity: number, dirtyRatio: number) {
    this.mem = mem;
    this.capacity = capacity;
    this.dirty_thresh = Math.max(1, Math.floor(capacity * dirtyRatio));
    const n = mem.nrPages;
    this.flags = new Uint16Array(n);
    this.mapping = new Int32Array(n);
    this.index = new Float64Array(n);
    this.lru_next = new Int32Array(n).fill(-1);
    this.lru_prev = new Int32Array(n).fill(-1);
    this.views = new Array<Uint8Array | undefined>(n);
  }
}

/**
 * A page cache over `mem` holding at most `capacityPages` frames.
 * Throws EINVAL for a capacity that is not a positive integer or a bad dirty ratio.
 */
export function createPageCache(opts: PageCacheOpts): PageCache {
  const { mem, capacityPages } = opts;
  const ratio = opts.dirtyRatio ?? 0.5;
  if (mem === null || typeof mem !== 'object' || !(mem.bytes instanceof Uint8Array)) {
    throw new BiopathError('EINVAL', 'createPageCache(mem): not a MemMap');
  }
  if (!Number.isInteger(capacityPages) || capacityPages < 1) {
    throw new BiopathError('EINVAL', `createPageCache(capacityPages): ${capacityPages} is not a positive integer`);
  }
  if (!(ratio > 0 && ratio <= 1)) throw new BiopathError('EINVAL', `createPageCache(dirtyRatio): ${ratio} is not in (0, 1]`);
  return new PageCache(mem, capacityPages, ratio);
}

/** The 4096 bytes of frame `pfn`, from a per-pfn cache of views (no allocation after the first). */
export function frameView(pc: PageCache, pfn: number): Uint8Array {
  let v = pc.views[pfn];
  if (v === undefined) {
    v = pc.mem.bytes.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
    pc.views[pfn] = v;
  }
  return v;
}
