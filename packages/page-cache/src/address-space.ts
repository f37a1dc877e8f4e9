/**
 * `struct address_space`: the cached pages of one device (or one byte range of it) in an xarray of
 * folios, with its IO, its writeback error sequence and its live mmap runs; and `struct file`, the
 * per-opener readahead state (`struct file_ra_state`, declared beside them as in fs.h) and error
 * cursor.
 * @kernel include/linux/fs.h struct address_space, struct file, struct file_ra_state
 */
import { createXArray, type IovIter, type XArray } from '@biopath/iov-iter';
import { PAGE_SIZE } from '@biopath/mm';
import { errseqSample } from './errseq.ts';
import type { CacheIo, CacheIoReq } from './cache-io.ts';
import { BiopathError } from './internal/native.ts';
import type { MmapRun, UserMapping } from './mmap-run.ts';
import type { FaultServerSpec } from './mmap-types.ts';
import type { PageCache } from './page-cache.ts';
import type { WritebackControl } from './writeback-control.ts';

/** xarray marks of the page cache. @kernel include/linux/fs.h PAGECACHE_TAG_* */
export const PAGECACHE_TAG_DIRTY = 0;
export const PAGECACHE_TAG_WRITEBACK = 1;
export const PAGECACHE_TAG_TOWRITE = 2;

/** Default readahead window (VM_READAHEAD_PAGES: 128 KiB). */
export const VM_READAHEAD_PAGES = 32;

/** Per-mapping counters. */
export interface AddressSpaceStats {
  /** Folios read from the device. */
  nr_read: number;
  /** Read requests submitted. */
  nr_read_reqs: number;
  /** Sync / async readahead windows started. */
  nr_ra_sync: number;
  nr_ra_async: number;
  /** Folios written back, and write requests submitted. */
  nr_written: number;
  nr_write_reqs: number;
  /** Failed read / write requests. */
  nr_read_errors: number;
  nr_write_errors: number;
  /** Flushes sent. */
  nr_flushes: number;
}

/**
 * What the generic cache code asks of a mapping's backing store, one table per kind of backing:
 * `defBlkAops` (`def-blk-aops.ts`: folios read and written by block IO) and, while an mmap of the
 * mapping lives, `mmapRunAops` (`mmap-aops.ts`: frames of a run are also filled by the fault
 * worker and mapped by a userfaultfd view; every other folio as `defBlkAops`). `mmap` switches a
 * mapping to the run table and `munmap` of its last run back, as ext4 switches a live inode's aops
 * (`ext4_set_aops()`). Each op takes the mapping and a head pfn of one of its folios; none allocates
 * on a hot path. Both tables have exactly these members, in this order (one hidden class).
 * @kernel include/linux/fs.h struct address_space_operations
 */
export interface AddressSpaceOperations {
  /**
   * Start reading locked, not-uptodate folio `pfn`; completion marks it uptodate (or PG_error) and
   * unlocks it. @kernel include/linux/fs.h address_space_operations.read_folio
   */
  readFolio(as: AddressSpace, pfn: number): void;
  /**
   * Whether folio `pfn`, whose PG_uptodate is clear, holds valid data all the same (it then sets
   * PG_uptodate). `folioTestUptodate` asks it, as `filemap_range_uptodate()` asks
   * is_partially_uptodate, here for the whole folio (uptodate is per folio in this model).
   * @kernel include/linux/fs.h address_space_operations.is_partially_uptodate
   */
  isUptodate(as: AddressSpace, pfn: number): boolean;
  /**
   * Whether folio `pfn` is being filled by someone who does not hold PG_locked (the mmap fault
   * worker). biopath-specific: the kernel fills a page cache folio only under its lock.
   */
  isFilling(as: AddressSpace, pfn: number): boolean;
  /** Resolve once the fill `isFilling` saw ended (for a fill under PG_locked: once unlocked). */
  waitFilled(as: AddressSpace, pfn: number): Promise<void>;
  /**
   * Copy `len` bytes of a write (from `src`, at byte `srcOff` of a buffer) into locked folio `pfn`
   * at `off`; mark it uptodate, dirty and accessed. Returns false when nothing was copied (an
   * iterator `src` is not advanced) and the write must look the folio up again. Does the copy too
   * (generic_perform_write's `copy_folio_from_iter_atomic()`), because an mmap run must stage it.
   * @kernel include/linux/fs.h address_space_operations.write_end
   */
  writeEnd(as: AddressSpace, pfn: number, off: number, len: number, src: Uint8Array | IovIter, srcOff: number): boolean;
  /** Mark folio `pfn` dirty and tag it, once. @kernel include/linux/fs.h address_space_operations.dirty_folio */
  dirtyFolio(as: AddressSpace, pfn: number): void;
  /**
   * Write back the dirty folios of `wbc`'s page range, per its sync mode, adding the IO to `wbc`.
   * @kernel include/linux/fs.h address_space_operations.writepages
   */
  writepages(as: AddressSpace, wbc: WritebackControl): Promise<void>;
  /**
   * Whether clean, idle folio `pfn` may leave the cache (reclaim, invalidation, drop_caches). A
   * pure question: it frees nothing. @kernel include/linux/fs.h address_space_operations.release_folio
   */
  releaseFolio(as: AddressSpace, pfn: number): boolean;
  /**
   * Folio `pfn` stays in the mapping but its contents are forgotten (its PG_uptodate was just
   * cleared): drop whatever else holds them. @kernel include/linux/fs.h address_space_operations.invalidate_folio
   */
  invalidateFolio(as: AddressSpace, pfn: number): void;
}

/** @kernel include/linux/fs.h struct address_space */
export class AddressSpace {
  readonly id: number;
  readonly pc: PageCache;
  /** Folios (head pfns) by page index. @kernel address_space.i_pages */
  readonly i_pages: XArray<number> = createXArray<number>();
  /** @kernel address_space.nrpages */
  nrpages = 0;
  /** Dirty folios of this mapping (tagged PAGECACHE_TAG_DIRTY). */
  nr_dirty = 0;
  /** Size in bytes. @kernel inode.i_size */
  readonly i_size: number;
  /** Device byte offset of page index 0 (a range of the device). */
  readonly start: number;
  readonly io: CacheIo;
  /** How folios of this mapping are read, dirtied, written back and released. @kernel address_space.a_ops */
  a_ops: AddressSpaceOperations;
  /** Readahead window limit in pages. @kernel backing_dev_info.ra_pages */
  ra_pages: number;
  /** Writeback error sequence (an `errseq_t`, see errseq.ts): the latest error, whether an opener
   * has reported it, and a counter of later errors. @kernel address_space.wb_err */
  wb_err_seq = 0;
  /** Negative errno of the latest writeback failure (0: none yet). */
  wb_err = 0;
  /** Live mmap runs over this mapping. */
  readonly runs: MmapRun[] = [];
  /** Folios mapped into emulated processes (`mmap` with `mm`). */
  readonly userMaps: UserMapping[] = [];
  /** Folios GUP could reach (ever mapped into an emulated process) while they stay cached: their
   * PG_dirty may be set by a DMA's dirty unpin without the mapping being told. */
  readonly gupExposed = new Set<number>();
  readonly stats: AddressSpaceStats = {
    nr_read: 0, nr_read_reqs: 0, nr_ra_sync: 0, nr_ra_async: 0, nr_written: 0, nr_write_reqs: 0,
    nr_read_errors: 0, nr_write_errors: 0, nr_flushes: 0,
  };
  /** How mmap's fault worker reaches the device (null: mmap unavailable). */
  faultServer: FaultServerSpec | null = null;
  /** The read request being gathered (readahead batches consecutive folios into one). */
  readReq: CacheIoReq | null = null;
  /** The opener used when the caller passes none. */
  readonly file: CacheFile;
  dead = false;

  constructor(id: number, pc: PageCache, io: CacheIo, start: number, size: number, raPages: number, aOps: AddressSpaceOperations) {
    this.id = id;
    this.pc = pc;
    this.io = io;
    this.a_ops = aOps;
    this.start = start;
    this.i_size = size;
    this.ra_pages = raPages;
    this.file = openCacheFile(this);
  }
}

/** Readahead state of one opener. @kernel include/linux/fs.h struct file_ra_state */
export interface FileRaState {
  /** First page of the current window. */
  start: number;
  /** Pages in the window. */
  size: number;
  /** Pages of the window still ahead when the next one should start (PG_readahead marks it). */
  async_size: number;
  /** Largest window. */
  ra_pages: number;
  /** Byte position after the previous read (-1: none yet). */
  prev_pos: number;
}

/** @kernel mm/readahead.c file_ra_state_init() */
export function fileRaStateInit(raPages: number): FileRaState {
  return { start: 0, size: 0, async_size: 0, ra_pages: raPages, prev_pos: -1 };
}

/** One opener: readahead state and the writeback-error cursor fsync reports from. @kernel struct file */
export interface CacheFile {
  readonly f_mapping: AddressSpace;
  readonly f_ra: FileRaState;
  /** Error sequence this opener has seen. @kernel file.f_wb_err */
  f_wb_err: number;
}

/**
 * A new opener of `as`. Its `fsync` reports writeback errors that happen from now on, and also
 * the latest earlier one if no opener has reported that yet (`errseq_sample`). Never fails.
 * @kernel fs/open.c do_dentry_open() (f_wb_err = filemap_sample_wb_err())
 */
export function openCacheFile(as: AddressSpace): CacheFile {
  return { f_mapping: as, f_ra: fileRaStateInit(as.ra_pages), f_wb_err: errseqSample(as.wb_err_seq) };
}

/** Page index past the last byte of the mapping. */
export function endIndex(as: AddressSpace): number {
  return Math.ceil(as.i_size / PAGE_SIZE);
}

/** Throw EBADF once the mapping was destroyed. */
export function checkLive(fn: string, as: AddressSpace): void {
  if (as.dead) throw new BiopathError('EBADF', `${fn}(as): the address space was destroyed`);
}
