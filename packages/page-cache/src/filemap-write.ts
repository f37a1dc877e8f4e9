/**
 * Buffered write: per page, find or create the folio, read it first when the write covers only
 * part of a page that is not uptodate (read-modify-write), copy the data in, mark it dirty. Writers
 * wait for writeback when too much of the cache is dirty.
 * The copy and commit of each page is the mapping's `a_ops.writeEnd` (`blkdevWriteEnd` here; an
 * mmap run stages it).
 * @kernel mm/filemap.c generic_perform_write(); block/fops.c blkdev_write_begin()/blkdev_write_end();
 *   mm/page-writeback.c balance_dirty_pages()
 */
import { copyFromIter, type IovIter } from '@biopath/iov-iter';
import { PAGE_SIZE } from '@biopath/mm';
import { checkLive, type AddressSpace, type CacheFile } from './address-space.ts';
import {
  filemapAddFolio, filemapGetFolio, folioMarkDirty, folioMarkUptodate, folioTestUptodate,
} from './filemap.ts';
import { filemapAllocFolio } from './folio-alloc.ts';
import { folioLock, folioUnlock } from './folio-wait.ts';
import { BiopathError } from './internal/native.ts';
import { folioMarkAccessed } from './lru.ts';
import { frameView, type PageCache } from './page-cache.ts';
import { PG_error } from './page-flags.ts';
import { filemapWriteAndWaitRange } from './writeback.ts';

/** Where a write copies from. */
export type WriteSrc = Uint8Array | IovIter;

/** A new folio at `index`, making room by writing back dirty folios when the cache is full. */
async function createFolio(as: AddressSpace, index: number): Promise<number> {
  for (;;) {
    const pfn = filemapAllocFolio(as.pc);
    if (pfn >= 0) {
      filemapAddFolio(as, pfn, index);
      return pfn;
    }
    if (as.nr_dirty === 0) throw new BiopathError('ENOMEM', `filemapWrite: the page cache is full of folios it may not evict`);
    await filemapWriteAndWaitRange(as, 0, as.i_size - 1);
  }
}

/**
 * The locked folio for page `index`, uptodate unless the write covers it whole.
 * Throws EIO when the read of a partial page fails. @kernel block/fops.c blkdev_write_begin()
 */
async function writeBegin(as: AddressSpace, index: number, full: boolean): Promise<number> {
  const pc = as.pc;
  let readOnce = false;
  for (;;) {
    let pfn = filemapGetFolio(as, index);
    if (pfn < 0) pfn = await createFolio(as, index);
    else await folioLock(pc, pfn);
    if (pc.mapping[pfn] !== as.id || pc.index[pfn] !== index) {
      folioUnlock(pc, pfn);
      continue;
    }
    if (full || folioTestUptodate(pc, pfn)) return pfn;
    if (as.a_ops.isFilling(as, pfn)) {
      folioUnlock(pc, pfn);
      await as.a_ops.waitFilled(as, pfn);
      continue;
    }
    if (readOnce && (pc.flags[pfn] & PG_error) !== 0) {
      folioUnlock(pc, pfn);
      throw new BiopathError('EIO', `filemapWrite: reading page ${index} for a partial write failed`);
    }
    readOnce = true;
    as.a_ops.readFolio(as, pfn);
    await folioLock(pc, pfn);
    folioUnlock(pc, pfn);
  }
}

function copyIn(pc: PageCache, pfn: number, off: number, len: number, src: WriteSrc, srcOff: number): void {
  const dst = frameView(pc, pfn);
  if (src instanceof Uint8Array) dst.set(len === src.length - srcOff && srcOff === 0 ? src : src.subarray(srcOff, srcOff + len), off);
  else copyFromIter(off === 0 && len === PAGE_SIZE ? dst : dst.subarray(off, off + len), len, src);
}

/**
 * Copy into locked folio `pfn`, mark it uptodate, dirty and accessed; always true. The default
 * `a_ops.writeEnd`. @kernel block/fops.c blkdev_write_end()
 */
export function blkdevWriteEnd(as: AddressSpace, pfn: number, off: number, len: number, src: WriteSrc, srcOff: number): boolean {
  const pc = as.pc;
  copyIn(pc, pfn, off, len, src, srcOff);
  folioMarkUptodate(pc, pfn);
  blockCommitWrite(as, pfn);
  return true;
}

/** A write's data is in locked folio `pfn`: dirty it and count the access. @kernel fs/buffer.c block_commit_write() */
export function blockCommitWrite(as: AddressSpace, pfn: number): void {
  folioMarkDirty(as, pfn);
  folioMarkAccessed(as.pc, pfn);
}

/** Throttle a writer while the cache holds more dirty folios than its threshold. @kernel balance_dirty_pages() */
async function balanceDirtyPages(as: AddressSpace): Promise<void> {
  const pc = as.pc;
  if (pc.nr_dirty <= pc.dirty_thresh || as.nr_dirty === 0) return;
  pc.stats.nr_dirty_throttled++;
  await filemapWriteAndWaitRange(as, 0, as.i_size - 1);
}

/**
 * Write `count` bytes (default: all of a buffer `src`) at byte `pos` into the cache. Resolves to
 * the bytes written, short when the end of the mapping is reached. Data reaches the device on
 * writeback (`writebackRange`, `fsync`, memory pressure). Rejects with ENOSPC at or past the end,
 * EIO when a partial page cannot be read, ENOMEM when the cache cannot take a folio.
 * @kernel mm/filemap.c generic_perform_write(), block/fops.c blkdev_write_iter()
 */
export async function filemapWrite(file: CacheFile, pos: number, src: WriteSrc, count?: number): Promise<number> {
  const as = file.f_mapping;
  checkLive('filemapWrite', as);
  const want = count ?? (src instanceof Uint8Array ? src.length : src.count);
  if (!Number.isSafeInteger(pos) || pos < 0) throw new BiopathError('EINVAL', `filemapWrite(pos): ${pos} is not a position`);
  if (want === 0) return 0;
  if (pos >= as.i_size) throw new BiopathError('ENOSPC', `filemapWrite(pos): ${pos} is at or past the end (${as.i_size})`);
  const total = Math.min(want, as.i_size - pos);
  let done = 0;
  while (done < total) {
    const at = pos + done;
    const off = at % PAGE_SIZE;
    const len = Math.min(PAGE_SIZE - off, total - done);
    const pfn = await writeBegin(as, Math.floor(at / PAGE_SIZE), len === PAGE_SIZE);
    const ok = as.a_ops.writeEnd(as, pfn, off, len, src, done);
    folioUnlock(as.pc, pfn);
    if (!ok) continue;
    done += len;
    await balanceDirtyPages(as);
  }
  return done;
}
