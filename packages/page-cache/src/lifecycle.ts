/**
 * Creating a mapping over a block device, and tearing one down.
 * @kernel fs/inode.c evict() -> truncate_inode_pages_final()
 */
import { checkLive, type AddressSpace } from './address-space.ts';
import { filemapWriteAndWaitRange } from './writeback.ts';
import { truncateInodePages } from './truncate.ts';
import { munmapAll } from './mmap.ts';

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
