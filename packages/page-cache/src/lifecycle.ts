/**
 * Creating a mapping over a block device, and tearing one down.
 * @kernel block/bdev.c bdev_alloc(); fs/inode.c evict() -> truncate_inode_pages_final()
 */
import { PAGE_SIZE } from '@biopath/mm';
import type { BlockDevice } from '@biopath/block';
import { AddressSpace, checkLive, VM_READAHEAD_PAGES } from './address-space.ts';
import { createBioCacheIo } from './bio-io.ts';
import { defBlkAops } from './def-blk-aops.ts';
import type { CacheIo } from './cache-io.ts';
import { BiopathError } from './internal/native.ts';
import type { FaultServerSpec } from './mmap-types.ts';
import type { PageCache } from './page-cache.ts';
import { filemapWriteAndWaitRange } from './writeback.ts';
import { truncateInodePages } from './truncate.ts';
import { munmapAll } from './mmap.ts';

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
  const as = new AddressSpace(pc.spaces.length, pc, io, offset, size, Math.floor(raKb / 4), defBlkAops);
  pc.spaces.push(as);
  return as;
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


/**
 * Tear `as` down: unmap its mmaps, write back dirty data (unless `writeback: false`, which throws
 * it away, as a crash would), drop every folio and release its IO. Resolves to the writeback's
 * first error (negative errno) or 0.
 */
export async function destroyAddressSpace(as: AddressSpace, opts: { writeback?: boolean } = {}): Promise<number> {
  checkLive('destroyAddressSpace', as);
  await munmapAll(as, opts.writeback ?? true);
  const err = (opts.writeback ?? true) ? await filemapWriteAndWaitRange(as, 0, as.i_size - 1) : 0;
  await truncateInodePages(as);
  as.dead = true;
  as.pc.spaces[as.id] = null;
  as.io.close();
  return err;
}
