/**
 * The address space operations of a block device's mapping: folios are read and written by block
 * IO under the folio lock, nothing else fills or maps them, any clean idle folio may leave.
 * @kernel block/fops.c def_blk_aops
 */
import type { AddressSpace, AddressSpaceOperations } from './address-space.ts';
import { filemapDirtyFolio } from './filemap.ts';
import { blkdevWriteEnd } from './filemap-write.ts';
import { folioWaitLocked } from './folio-wait.ts';
import { filemapReadFolio } from './read-pages.ts';
import { blkdevWritepages } from './writeback.ts';

/** No per-block uptodate state: a folio without PG_uptodate holds no valid data. @kernel fs/buffer.c block_is_partially_uptodate() */
function blkdevIsUptodate(_as: AddressSpace, _pfn: number): boolean {
  return false;
}

/** Every fill holds the folio lock. */
function blkdevIsFilling(_as: AddressSpace, _pfn: number): boolean {
  return false;
}

/** A fill under the folio lock ends when the folio is unlocked (`folioWaitLocked`). */
function blkdevWaitFilled(as: AddressSpace, pfn: number): Promise<void> {
  return folioWaitLocked(as.pc, pfn);
}

/** Nothing but the cache holds a clean, idle folio's data. @kernel mm/filemap.c filemap_release_folio() */
function blkdevReleaseFolio(_as: AddressSpace, _pfn: number): boolean {
  return true;
}

/** No private data to drop. @kernel fs/buffer.c block_invalidate_folio() */
function blkdevInvalidateFolio(_as: AddressSpace, _pfn: number): void {
  // The caller cleared PG_uptodate; nothing else holds the data.
}

/** @kernel block/fops.c def_blk_aops */
export const defBlkAops: AddressSpaceOperations = {
  readFolio: filemapReadFolio,
  isUptodate: blkdevIsUptodate,
  isFilling: blkdevIsFilling,
  waitFilled: blkdevWaitFilled,
  writeEnd: blkdevWriteEnd,
  dirtyFolio: filemapDirtyFolio,
  writepages: blkdevWritepages,
  releaseFolio: blkdevReleaseFolio,
  invalidateFolio: blkdevInvalidateFolio,
};
