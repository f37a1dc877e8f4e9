/**
 * Writeback: dirty folios go to the device in requests of consecutive pages, with PG_dirty cleared
 * before the IO (so a write during it re-dirties the folio) and PG_writeback held until it ends.
 * Failures are recorded in the mapping's error sequence; `fsync` reports them once per opener,
 * after writing everything and flushing the device's write cache. What a range's writeback does is
 * the mapping's `a_ops.writepages`: `blkdevWritepages` here (an mmap run wraps it).
 * @kernel mm/page-writeback.c write_cache_pages(), tag_pages_for_writeback(); mm/filemap.c
 *   filemap_write_and_wait_range(), file_check_and_advance_wb_err(); block/fops.c blkdev_fsync()
 */
import { xaClearMark, xaFindMarked, xaLoad, xaSetMark } from '@biopath/iov-iter';
import { PAGE_SIZE, PG_dirty } from '@biopath/mm';
import {
  checkLive, PAGECACHE_TAG_DIRTY, PAGECACHE_TAG_TOWRITE, PAGECACHE_TAG_WRITEBACK, type AddressSpace, type CacheFile,
} from './address-space.ts';
import { errseqCheckAndAdvance, errseqSet } from './errseq.ts';
import { CACHE_IO_WRITE, cacheIoReqAlloc, cacheIoReqFree, type CacheIoReq } from './cache-io.ts';
import { folioClearDirtyForIo, folioEndWriteback, folioMarkDirty, folioStartWriteback, folioTestDirty } from './filemap.ts';
import { folioTestLocked, folioTestWriteback, folioTrylock, folioUnlock, folioWaitLocked, folioWaitWriteback } from './folio-wait.ts';
import { BiopathError, errnoName } from './internal/native.ts';
import { blkdevIssueFlush } from './flush.ts';
import { WB_SYNC_ALL, WB_SYNC_NONE, type WritebackControl } from './writeback-control.ts';

/**
 * Add locked dirty folio `pfn` at `index` to the request being built (`cur`, or a new one) and
 * return the request. @kernel include/linux/writeback.h writepage_t
 */
export type Writepage = (as: AddressSpace, pfn: number, index: number, cur: CacheIoReq | null, wbc: WritebackControl) => CacheIoReq;

/** Record a writeback failure. @kernel include/linux/pagemap.h mapping_set_error() */
export function mappingSetError(as: AddressSpace, err: number): void {
  as.wb_err = err;
  as.wb_err_seq = errseqSet(as.wb_err_seq, err);
}

function endWrite(req: CacheIoReq, status: number): void {
  const as = req.as!;
  const b = req.private_ as WritebackControl;
  if (status < 0) {
    as.stats.nr_write_errors++;
    mappingSetError(as, status);
    if (b.err === 0) b.err = status;
  } else {
    as.stats.nr_written += req.nr;
    b.written += req.nr;
  }
  for (let i = 0; i < req.nr; i++) folioEndWriteback(as, req.pfns[i]!, status < 0);
  cacheIoReqFree(as.io, req);
  if (--b.inflight === 0 && b.done !== null) b.done();
}

function submitWrite(as: AddressSpace, req: CacheIoReq, b: WritebackControl): void {
  b.inflight++;
  as.stats.nr_write_reqs++;
  as.io.submit(req);
}

/**
 * Move locked dirty folio `pfn` to writeback and add it to the request being built, submitting
 * that one first at a gap or when full. The default {@link Writepage}. @kernel fs/mpage.c __mpage_writepage()
 */
export function mpageWritepage(as: AddressSpace, pfn: number, index: number, cur: CacheIoReq | null, b: WritebackControl): CacheIoReq {
  folioClearDirtyForIo(as, pfn);
  folioStartWriteback(as, pfn);
  folioUnlock(as.pc, pfn);
  if (cur !== null && (cur.index + cur.nr !== index || cur.nr === as.io.maxPages)) {
    submitWrite(as, cur, b);
    cur = null;
  }
  if (cur === null) {
    cur = cacheIoReqAlloc(as, CACHE_IO_WRITE, index, endWrite);
    cur.fua = b.fua;
    cur.private_ = b;
  }
  cur.pfns[cur.nr++] = pfn;
  return cur;
}

/** Tag the dirty folios of a range TOWRITE: a sync pass then ignores folios dirtied after it began. */
function tagPagesForWriteback(as: AddressSpace, first: number, last: number): void {
  for (let i = xaFindMarked(as.i_pages, first, last, PAGECACHE_TAG_DIRTY); i >= 0;
    i = xaFindMarked(as.i_pages, i + 1, last, PAGECACHE_TAG_DIRTY)) {
    xaSetMark(as.i_pages, i, PAGECACHE_TAG_TOWRITE);
  }
}

/** Wait until folio `pfn` is neither locked nor under writeback; false if it left the mapping. */
async function waitIdle(as: AddressSpace, pfn: number): Promise<boolean> {
  await folioWaitLocked(as.pc, pfn);
  await folioWaitWriteback(as.pc, pfn);
  return as.pc.mapping[pfn] === as.id;
}

/**
 * Start writeback of the dirty folios of pages [wbc.first, wbc.last], each handed to `writepage`.
 * WB_SYNC_ALL waits for locked folios and for an earlier writeback of the same folio; WB_SYNC_NONE
 * skips them. @kernel mm/page-writeback.c write_cache_pages()
 */
export async function writeCachePages(as: AddressSpace, b: WritebackControl, writepage: Writepage): Promise<void> {
  const pc = as.pc;
  const { first, last } = b;
  const sync = b.sync_mode;
  const tag = sync === WB_SYNC_ALL ? PAGECACHE_TAG_TOWRITE : PAGECACHE_TAG_DIRTY;
  if (sync === WB_SYNC_ALL) tagPagesForWriteback(as, first, last);
  let cur: CacheIoReq | null = null;
  for (let index = xaFindMarked(as.i_pages, first, last, tag); index >= 0;
    index = xaFindMarked(as.i_pages, index + 1, last, tag)) {
    const pfn = xaLoad(as.i_pages, index)!;
    if (folioTestLocked(pc, pfn) || folioTestWriteback(pc, pfn)) {
      if (sync !== WB_SYNC_ALL) continue;
      if (cur !== null) submitWrite(as, cur, b);
      cur = null;
      as.io.unplug();
      if (!(await waitIdle(as, pfn)) || xaLoad(as.i_pages, index) !== pfn) continue;
      if (folioTestLocked(pc, pfn) || folioTestWriteback(pc, pfn)) {
        index--;
        continue;
      }
    }
    xaClearMark(as.i_pages, index, PAGECACHE_TAG_TOWRITE);
    if (!folioTestDirty(pc, pfn) || !folioTrylock(pc, pfn)) continue;
    cur = writepage(as, pfn, index, cur, b);
  }
  if (cur !== null) submitWrite(as, cur, b);
  as.io.unplug();
}

/** The default `a_ops.writepages`. @kernel block/fops.c blkdev_writepages() */
export function blkdevWritepages(as: AddressSpace, wbc: WritebackControl): Promise<void> {
  return writeCachePages(as, wbc, mpageWritepage);
}

/**
 * Account the folios of pages [first, last] that GUP could reach (`as.gupExposed`: ever mapped into
 * an emulated process) and a DMA's dirty unpin dirtied without telling the mapping.
 */
export function collectGupDirty(as: AddressSpace, first: number, last: number): void {
  const mem = as.pc.mem;
  for (const pfn of as.gupExposed) {
    const index = as.pc.index[pfn];
    if (as.pc.mapping[pfn] !== as.id || index < first || index > last) continue;
    if ((mem.flags[pfn] & PG_dirty) !== 0) folioMarkDirty(as, pfn);
  }
}

/** Wait for every folio of pages [first, last] under writeback. @kernel filemap_fdatawait_range() */
async function fdatawait(as: AddressSpace, first: number, last: number): Promise<void> {
  for (let i = xaFindMarked(as.i_pages, first, last, PAGECACHE_TAG_WRITEBACK); i >= 0;
    i = xaFindMarked(as.i_pages, i + 1, last, PAGECACHE_TAG_WRITEBACK)) {
    await folioWaitWriteback(as.pc, xaLoad(as.i_pages, i)!);
  }
}

function byteRange(as: AddressSpace, start: number, end: number): [number, number] {
  const last = Math.min(end, as.i_size - 1);
  return [Math.floor(Math.max(0, start) / PAGE_SIZE), Math.floor(last / PAGE_SIZE)];
}

/** Result of {@link writebackRange}: folios written and the first error (negative errno, or 0). */
export interface WritebackResult {
  written: number;
  error: number;
}

/**
 * Write the dirty folios of bytes [start, end] (inclusive) to the device. With `sync` (default)
 * waits for locked folios and for the IO to finish; without, starts what it can and returns.
 * `fua` writes with REQ_FUA: durable when they complete (O_DSYNC-style, no flush needed).
 * Folios dirtied through a live mmap are found first. Errors are also recorded for `fsync`.
 * @kernel mm/filemap.c __filemap_fdatawrite_range(), filemap_write_and_wait_range()
 */
export async function writebackRange(
  as: AddressSpace, start: number, end: number, opts: { sync?: boolean; fua?: boolean } = {},
): Promise<WritebackResult> {
  checkLive('writebackRange', as);
  const sync = opts.sync ?? true;
  const [first, last] = byteRange(as, start, end);
  const b: WritebackControl = {
    sync_mode: sync ? WB_SYNC_ALL : WB_SYNC_NONE, first, last, fua: opts.fua ?? false, inflight: 0, err: 0, written: 0, done: null,
  };
  if (first > last) return { written: 0, error: 0 };
  collectGupDirty(as, first, last);
  await as.a_ops.writepages(as, b);
  if (sync) {
    if (b.inflight > 0) await new Promise<void>((resolve) => { b.done = resolve; });
    await fdatawait(as, first, last);
  }
  return { written: b.written, error: b.err };
}

/** Write and wait for bytes [start, end]; resolves to 0 or the first negative errno. */
export async function filemapWriteAndWaitRange(as: AddressSpace, start: number, end: number): Promise<number> {
  return (await writebackRange(as, start, end, { sync: true })).error;
}

/**
 * The writeback error (negative errno) this opener has not been told about yet, or 0; the opener's
 * cursor advances and the mapping's current error is marked seen (later openers no longer get it).
 * @kernel mm/filemap.c file_check_and_advance_wb_err()
 */
export function fileCheckAndAdvanceWbErr(file: CacheFile): number {
  const as = file.f_mapping;
  const r = errseqCheckAndAdvance(as.wb_err_seq, file.f_wb_err);
  as.wb_err_seq = r.eseq;
  file.f_wb_err = r.since;
  return r.err;
}

/**
 * Make everything written so far durable: write back every dirty folio, wait, flush the device's
 * write cache. Rejects with EIO (or the device's error) if any writeback since this opener last
 * checked failed, or if the flush failed; data acknowledged by a resolved fsync is on the device.
 * @kernel block/fops.c blkdev_fsync(), mm/filemap.c file_write_and_wait_range()
 */
export async function fsync(file: CacheFile): Promise<void> {
  const as = file.f_mapping;
  checkLive('fsync', as);
  await filemapWriteAndWaitRange(as, 0, as.i_size - 1);
  const flushErr = await blkdevIssueFlush(as);
  const wbErr = fileCheckAndAdvanceWbErr(file);
  const err = wbErr !== 0 ? wbErr : flushErr;
  if (err !== 0) throw new BiopathError(errnoName(-err), `fsync: writeback or flush failed (${errnoName(-err)})`);
}
