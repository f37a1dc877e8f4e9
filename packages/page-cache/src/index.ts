/**
 * @biopath/page-cache — a pin-aware page cache over `@biopath/block`: address spaces holding folios
 * in a real xarray, buffered read with on-demand readahead, buffered write with read-modify-write,
 * dirty tracking and writeback through bios, fsync with a device flush, invalidation for direct-IO
 * coherence, LRU reclaim that never frees pinned or dirty folios, and `mmap` of a device range whose
 * pages are filled on first touch by userfaultfd.
 */

// the node-wide cache and its reclaim
export { PageCache, createPageCache, frameView, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE } from './page-cache.ts';
export type { PageCacheOpts, PageCacheStats, LruList } from './page-cache.ts';
export { shrinkPageCache, emptyReclaimStats } from './vmscan.ts';
export type { ReclaimStats } from './vmscan.ts';
export {
  PG_writeback, PG_lru, PG_active, PG_referenced, PG_readahead, PG_error, PG_mmap_run, PC_FLAG_NAMES,
} from './page-flags.ts';

// address spaces and openers
export {
  AddressSpace, openCacheFile, PAGECACHE_TAG_DIRTY, PAGECACHE_TAG_WRITEBACK, PAGECACHE_TAG_TOWRITE, VM_READAHEAD_PAGES,
  fileRaStateInit,
} from './address-space.ts';
export type { CacheFile, AddressSpaceStats, FileRaState } from './address-space.ts';
export { createAddressSpace, destroyAddressSpace } from './lifecycle.ts';
export type { CreateAddressSpaceOpts } from './lifecycle.ts';
export { filemapGetFolio, folioTestUptodate, folioTestDirty } from './filemap.ts';

// read, readahead, write
export { filemapRead, filemapReadNowait } from './filemap-read.ts';
export type { ReadDst } from './filemap-read.ts';
export { getInitRaSize, getNextRaSize } from './readahead.ts';
export { filemapWrite } from './filemap-write.ts';
export type { WriteSrc } from './filemap-write.ts';

// writeback, durability, coherence
export { writebackRange, filemapWriteAndWaitRange, fsync, fileCheckAndAdvanceWbErr } from './writeback.ts';
export type { WritebackResult } from './writeback.ts';
export { invalidateRange, invalidateMappingPages } from './truncate.ts';
export type { InvalidateResult } from './truncate.ts';
export { kiocbWriteAndWait, kiocbInvalidatePages, kiocbInvalidatePostDirectWrite } from './direct-io.ts';

// mmap
export { mmap, msync, munmap } from './mmap.ts';
export type { MmapOpts, FileMapping } from './mmap.ts';
export type { FaultServerSpec, FaultDevice, MmapReadError } from './mmap-types.ts';
