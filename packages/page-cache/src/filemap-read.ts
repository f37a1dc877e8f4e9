/**
 * Buffered read: copy from cached folios, starting readahead on a miss or on a PG_readahead
 * marker, waiting only when the folio needed next is not uptodate. `filemapReadNowait` is the
 * synchronous core (IOCB_NOWAIT: -EAGAIN instead of waiting); `filemapRead` loops over it.
 * @kernel mm/filemap.c filemap_read(), filemap_get_pages(), filemap_get_read_batch()
 */
import { copyToIter, xaLoad, type IovIter } from '@biopath/iov-iter';
import { PAGE_SIZE } from '@biopath/mm';
import { checkLive, type CacheFile } from './address-space.ts';
import { filemapAddFolio, folioTestUptodate } from './filemap.ts';
import { filemapAllocFolio } from './folio-alloc.ts';
import { folioTestLocked, folioTrylock } from './folio-wait.ts';
import { BiopathError, errno, errnoName } from './internal/native.ts';
import { folioMarkAccessed } from './lru.ts';
import { frameView } from './page-cache.ts';
import { PG_error, PG_readahead } from './page-flags.ts';
import { pageCacheAsyncRa, pageCacheSyncRa } from './readahead.ts';
import { readWait, WAIT_FILL, WAIT_FOLIO, waitForRead } from './read-wait.ts';

/** Folios one batch lookup returns at most. @kernel PAGEVEC_SIZE */
const BATCH = 31;
const batch = new Int32Array(BATCH);

/** Where a read copies to: a plain buffer, or any destination iterator. */
export type ReadDst = Uint8Array | IovIter;

/** Consecutive cached folios from `index`; stops after the first not-uptodate or marked one. */
function readBatch(file: CacheFile, index: number, last: number): number {
  const as = file.f_mapping;
  const pc = as.pc;
  let n = 0;
  for (let i = index; i <= last && n < BATCH; i++) {
    const pfn = xaLoad(as.i_pages, i);
    if (pfn === null) break;
    batch[n++] = pfn;
    if ((pc.flags[pfn] & PG_readahead) !== 0 || !folioTestUptodate(pc, pfn)) break;
  }
  return n;
}

/** A folio that is present but not uptodate: wait for its IO, or start one. Returns -EAGAIN. */
function updateFolio(file: CacheFile, pfn: number): number {
  const as = file.f_mapping;
  const pc = as.pc;
  if (as.a_ops.isFilling(as, pfn)) {
    readWait.kind = WAIT_FILL;
  } else if (!folioTestLocked(pc, pfn) && folioTrylock(pc, pfn)) {
    as.a_ops.readFolio(as, pfn);
    readWait.kind = WAIT_FOLIO;
  } else {
    readWait.kind = WAIT_FOLIO;
  }
  readWait.pfn = pfn;
  return -errno.EAGAIN;
}

/**
 * Folios to copy from for `[index, last]`: a count > 0 of uptodate folios in `batch`, or -EAGAIN
 * with `readWait` saying what to wait for, or -ENOMEM. @kernel mm/filemap.c filemap_get_pages()
 */
function filemapGetPages(file: CacheFile, index: number, last: number): number {
  const as = file.f_mapping;
  const pc = as.pc;
  let n = readBatch(file, index, last);
  if (n === 0) {
    pageCacheSyncRa(as, file.f_ra, index, last - index + 1);
    n = readBatch(file, index, last);
  }
  if (n === 0) {
    const pfn = filemapAllocFolio(pc);
    if (pfn < 0) return pfn;
    filemapAddFolio(as, pfn, index);
    as.a_ops.readFolio(as, pfn);
    readWait.kind = WAIT_FOLIO;
    readWait.pfn = pfn;
    return -errno.EAGAIN;
  }
  const pfn = batch[n - 1]!;
  if ((pc.flags[pfn] & PG_readahead) !== 0) pageCacheAsyncRa(as, file.f_ra, pfn, pc.index[pfn], last - pc.index[pfn] + 1);
  if (folioTestUptodate(pc, pfn)) return n;
  if (n > 1) return n - 1;
  return updateFolio(file, pfn);
}

function copyOut(file: CacheFile, pfn: number, off: number, len: number, dst: ReadDst, dstOff: number): void {
  const v = frameView(file.f_mapping.pc, pfn);
  const src = off === 0 && len === PAGE_SIZE ? v : v.subarray(off, off + len);
  if (dst instanceof Uint8Array) dst.set(src, dstOff);
  else copyToIter(src, len, dst);
}

/**
 * Copy up to `count` bytes at `pos` into `dst` (from byte `dstOff` for a buffer) without waiting.
 * Returns bytes copied (0 at end of file), or -EAGAIN when the first folio needs IO or a wait
 * (`readWait` says which; readahead has been started), or -ENOMEM. @kernel filemap_read() with IOCB_NOWAIT
 */
export function filemapReadNowait(file: CacheFile, pos: number, dst: ReadDst, dstOff: number, count: number): number {
  const as = file.f_mapping;
  checkLive('filemapRead', as);
  if (pos >= as.i_size || count <= 0) return 0;
  const end = Math.min(pos + count, as.i_size);
  const ra = file.f_ra;
  let copied = 0;
  while (pos + copied < end) {
    const at = pos + copied;
    const n = filemapGetPages(file, Math.floor(at / PAGE_SIZE), Math.floor((end - 1) / PAGE_SIZE));
    if (n < 0) return copied > 0 ? copied : n;
    const sameAsPrev = ra.prev_pos >= 0 && Math.floor(ra.prev_pos / PAGE_SIZE) === Math.floor(at / PAGE_SIZE);
    for (let k = 0; k < n && pos + copied < end; k++) {
      const pfn = batch[k]!;
      const off = (pos + copied) % PAGE_SIZE;
      const len = Math.min(PAGE_SIZE - off, end - pos - copied);
      if (k > 0 || !sameAsPrev) folioMarkAccessed(as.pc, pfn);
      copyOut(file, pfn, off, len, dst, dstOff + copied);
      copied += len;
    }
    ra.prev_pos = pos + copied;
  }
  return copied;
}

/**
 * Read `count` bytes (default: what fits in a buffer `dst`) at byte `pos` of the mapping.
 * Resolves to the bytes read, short only at end of file or after an error past the first byte.
 * Rejects with BiopathError EIO when the first folio cannot be read, ENOMEM when the cache cannot
 * hold it. @kernel mm/filemap.c filemap_read()
 */
export async function filemapRead(file: CacheFile, pos: number, dst: ReadDst, count?: number): Promise<number> {
  const total = count ?? (dst instanceof Uint8Array ? dst.length : dst.count);
  let done = 0;
  let retried = -1;
  while (done < total) {
    const r = filemapReadNowait(file, pos + done, dst, done, total - done);
    if (r > 0) {
      done += r;
      continue;
    }
    if (r === 0) break;
    if (r !== -errno.EAGAIN) return readError(done, r, 'filemapRead', pos + done);
    const pfn = readWait.pfn;
    await waitForRead(file.f_mapping);
    if (!failedRead(file, pfn)) continue;
    if (retried === pfn) return readError(done, -errno.EIO, 'filemapRead', pos + done);
    retried = pfn;
  }
  return done;
}

/** After a wait: the folio is unlocked, still not uptodate and carries PG_error. */
function failedRead(file: CacheFile, pfn: number): boolean {
  const pc = file.f_mapping.pc;
  return pc.mapping[pfn] === file.f_mapping.id && !folioTestUptodate(pc, pfn) && !folioTestLocked(pc, pfn) &&
    (pc.flags[pfn] & PG_error) !== 0;
}

function readError(done: number, err: number, fn: string, at: number): number {
  if (done > 0) return done;
  throw new BiopathError(errnoName(-err), `${fn}(pos): reading byte ${at} failed`);
}
