/**
 * `struct address_space`: the cached pages of one device (or one byte range of it) in an xarray of
 * folios, with its IO, its writeback error sequence and its live mmap runs; and `struct file`, the
 * per-opener readahead state and error cursor.
 * @kernel include/linux/fs.h struct address_space, struct file
 */
import { createXArray, type XArray } from '@biopath/iov-iter';
import { PAGE_SIZE } from '@biopath/mm';
import type { BlockDevice } from '@biopath/block';
import { createBioCacheIo } from './bio-io.ts';
import { errseqSample } from './errseq.ts';
import type { CacheIo, CacheIoReq } from './cache-io.ts';
import { BiopathError } from './internal/native.ts';
import type { MmapRun } from './mmap-run.ts';
import type { UserMapping } from './mmap-user.ts';
import type { FaultServerSpec } from './mmap-types.ts';
import type { PageCache } from './page-cache.ts';
import { fileRaStateInit, type FileRaState } from './readahead.ts';

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

  constructor(id: number, pc: PageCache, io: CacheIo, start: number, size: number, raPages: number) {
    this.id = id;
    this.pc = pc;
    this.io = io;
    this.start = start;
    this.i_size = size;
    this.ra_pages = raPages;
    this.file = openCacheFile(this);
  }
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

export interface AddressSpaceOpts {
  pc: PageCache;
  io: CacheIo;
  /** Device byte offset where this mapping starts (page-aligned, default 0). */
  offset?: number;
  /** Bytes (a multiple of the logical block size; default: the rest of the device). */
  size?: number;
  /** Readahead window in KiB (default 128; 0 disables readahead). @kernel read_ahead_kb */
  readAheadKb?: number;
}

function checkRange(fn: string, io: CacheIo, offset: number, size: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % PAGE_SIZE !== 0) {
    throw new BiopathError('EINVAL', `${fn}(offset): ${offset} is not a page-aligned device offset`);
  }
  const lbs = io.logicalBlockSize;
  if (!Number.isSafeInteger(size) || size <= 0 || size % lbs !== 0 || offset + size > io.sizeBytes) {
    throw new BiopathError('EINVAL', `${fn}(size): ${size} is not a multiple of ${lbs} inside the ${io.sizeBytes}-byte device from ${offset}`);
  }
}

/** @internal Create a mapping over any {@link CacheIo}; the public entry builds the IO from a bdev. */
export function __createAddressSpace(opts: AddressSpaceOpts): AddressSpace {
  const { pc, io } = opts;
  const offset = opts.offset ?? 0;
  const size = opts.size ?? io.sizeBytes - offset;
  checkRange('createAddressSpace', io, offset, size);
  const raKb = opts.readAheadKb ?? VM_READAHEAD_PAGES * 4;
  if (!Number.isInteger(raKb) || raKb < 0) throw new BiopathError('EINVAL', `createAddressSpace(readAheadKb): ${raKb}`);
  const as = new AddressSpace(pc.spaces.length, pc, io, offset, size, Math.floor(raKb / 4));
  pc.spaces.push(as);
  return as;
}

/** Page index past the last byte of the mapping. */
export function endIndex(as: AddressSpace): number {
  return Math.ceil(as.i_size / PAGE_SIZE);
}

/** Throw EBADF once the mapping was destroyed. */
export function checkLive(fn: string, as: AddressSpace): void {
  if (as.dead) throw new BiopathError('EBADF', `${fn}(as): the address space was destroyed`);
}

/** Options of {@link createAddressSpace}. */
export interface CreateAddressSpaceOpts {
  pc: PageCache;
  /** The device; its queue must name frames of the page cache's MemMap. */
  bdev: BlockDevice;
  /** Device byte offset where this mapping starts (page-aligned, default 0). */
  offset?: number;
  /**
   * Bytes (a multiple of the logical block size; default: the rest of the device). A last page
   * only partly inside is read and written up to `size`, like a file's last page up to i_size.
   */
  size?: number;
  /** Readahead window in KiB (default 128; 0 disables readahead). @kernel read_ahead_kb */
  readAheadKb?: number;
  /** How `mmap`'s fault worker opens its own path to this device (needed for mmap only). */
  faultServer?: FaultServerSpec;
}

/**
 * A page cache mapping of `bdev` (or of `[offset, offset + size)` of it). IO goes through
 * `@biopath/block` bios; all of a device whose size is not a page multiple is reachable (the last
 * page is read and written up to the end). Throws EINVAL for an offset that is not page-aligned, a
 * size that is not a logical-block multiple or leaves the device,
 * or a device whose queue names another MemMap's frames.
 * @kernel block/bdev.c bdev_alloc() (the bdev inode's mapping)
 */
export function createAddressSpace(opts: CreateAddressSpaceOpts): AddressSpace {
  const { pc, bdev } = opts;
  if (bdev === null || typeof bdev !== 'object' || bdev.bd_queue === undefined) {
    throw new BiopathError('EINVAL', 'createAddressSpace(bdev): not a BlockDevice');
  }
  if (bdev.bd_queue.mem !== pc.mem) {
    throw new BiopathError('EINVAL', 'createAddressSpace(bdev): its queue names frames of another MemMap than the page cache');
  }
  const as = __createAddressSpace({ ...opts, io: createBioCacheIo(bdev) });
  as.faultServer = opts.faultServer ?? null;
  return as;
}
