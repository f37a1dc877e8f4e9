/**
 * The address space operations of a mapping while an mmap of it lives (`mmapRunAops`). Frames of
 * a run (PG_mmap_run) are shared with the fault worker, which fills them without the folio lock:
 * their uptodate state is the run's per-frame state, a read goes through a bounce frame (never DMA
 * into a frame the worker may be filling), a write into an empty frame is staged and copied in one
 * synchronous step, writeback write-protects the view page first, and they never leave the cache
 * while mapped. Every other folio of the mapping is handled as `defBlkAops` handles it. This is
 * the only place the generic paths meet PG_mmap_run.
 * @kernel include/linux/fs.h struct address_space_operations; mm/filemap.c filemap_fault()
 */
import { allocPages, PAGE_SIZE, PG_uptodate, putPage } from '@biopath/mm';
import { copyFromIter, iovIterRevert, type IovIter } from '@biopath/iov-iter';
import type { AddressSpace, AddressSpaceOperations } from './address-space.ts';
import { CACHE_IO_READ, cacheIoReqAlloc, cacheIoReqFree, type CacheIoReq } from './cache-io.ts';
import { defBlkAops } from './def-blk-aops.ts';
import { filemapDirtyFolio, folioTestUptodate } from './filemap.ts';
import { blockCommitWrite } from './filemap-write.ts';
import { folioUnlock } from './folio-wait.ts';
import { arenaZapRange } from './internal/native.ts';
import { RUN_COPYING, RUN_DIRTY, RUN_ERROR, RUN_NONE, RUN_READING, RUN_STATE_MASK, RUN_UPTODATE, type MmapRun } from './mmap-run.ts';
import { runCollectDirty, runMkclean } from './mmap-sync.ts';
import { frameView, type PageCache } from './page-cache.ts';
import { PG_error, PG_mmap_run } from './page-flags.ts';
import type { WritebackControl } from './writeback-control.ts';
import { mpageWritepage, writeCachePages } from './writeback.ts';

/** The live run whose frames include `pfn`, or null. */
function findRun(pc: PageCache, pfn: number): MmapRun | null {
  const as = pc.spaces[pc.mapping[pfn]];
  if (as === null || as === undefined) return null;
  for (const run of as.runs) if (pfn >= run.firstPfn && pfn < run.firstPfn + run.nrPages) return run;
  return null;
}

/** State (RUN_*) of run frame `pfn`; RUN_UPTODATE for a frame no run holds any more. */
function runStateOf(pc: PageCache, pfn: number): number {
  const run = findRun(pc, pfn);
  if (run === null) return RUN_UPTODATE;
  return Atomics.load(run.state, pfn - run.firstPfn) & RUN_STATE_MASK;
}

/** Whether the worker (or main) has made run frame `pfn` uptodate; mirrors it into PG_uptodate. */
function runFolioUptodate(pc: PageCache, pfn: number): boolean {
  const run = findRun(pc, pfn);
  if (run === null) return false;
  if ((Atomics.load(run.state, pfn - run.firstPfn) & RUN_STATE_MASK) !== RUN_UPTODATE) return false;
  pc.mem.flags[pfn] |= PG_uptodate;
  return true;
}

type WaitAsync = (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string };
/** `Atomics.waitAsync` (Node 16+; not in this TypeScript lib). */
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Resolve once the worker stopped filling run frame `pfn`. */
async function runWaitFilled(pc: PageCache, pfn: number): Promise<void> {
  const run = findRun(pc, pfn);
  if (run === null) return;
  const i = pfn - run.firstPfn;
  for (;;) {
    const s = Atomics.load(run.state, i);
    if ((s & RUN_STATE_MASK) !== RUN_READING) return;
    const w = waitAsync(run.state, i, s, 50);
    if (w.async) await w.value;
  }
}

/**
 * Fill run frame `pfn` with `fill` if it holds nothing yet: NONE -> COPYING -> UPTODATE, all
 * synchronous (`fill` must not touch the view). Returns false if the worker got there first.
 */
function runFillFrame(pc: PageCache, run: MmapRun, pfn: number, fill: (pfn: number) => void): boolean {
  const i = pfn - run.firstPfn;
  const s = Atomics.load(run.state, i);
  if ((s & RUN_STATE_MASK) !== RUN_NONE) return false;
  if (Atomics.compareExchange(run.state, i, s, (s & ~RUN_STATE_MASK) | RUN_COPYING) !== s) return false;
  fill(pfn);
  Atomics.store(run.state, i, (s & ~(RUN_STATE_MASK | RUN_ERROR | RUN_DIRTY)) | RUN_UPTODATE);
  Atomics.notify(run.state, i);
  pc.mem.flags[pfn] |= PG_uptodate;
  pc.flags[pfn] &= ~PG_error;
  return true;
}

function endRunRead(req: CacheIoReq, status: number): void {
  const as = req.as!;
  const pc = as.pc;
  const frame = req.private_ as number;
  const bounce = req.pfns[0]!;
  if (status === 0) {
    as.stats.nr_read++;
    const copy = (pfn: number): void => {
      pc.mem.bytes.copyWithin(pfn * PAGE_SIZE, bounce * PAGE_SIZE, (bounce + 1) * PAGE_SIZE);
    };
    const run = findRun(pc, frame);
    if (run !== null) runFillFrame(pc, run, frame, copy);
    else if ((pc.mem.flags[frame] & PG_uptodate) === 0) {
      copy(frame);
      pc.mem.flags[frame] |= PG_uptodate;
    }
  } else {
    as.stats.nr_read_errors++;
    pc.flags[frame] |= PG_error;
  }
  putPage(pc.mem, bounce);
  folioUnlock(pc, frame);
  cacheIoReqFree(as.io, req);
}

/**
 * Read locked run frame `pfn` from the device through a bounce frame (never DMA into a frame the
 * worker may be filling), then copy it in if it is still empty. Completion unlocks the frame.
 */
export function runReadFolio(as: AddressSpace, pfn: number): void {
  const pc = as.pc;
  const bounce = allocPages(pc.mem, 0);
  if (bounce < 0) {
    pc.flags[pfn] |= PG_error;
    folioUnlock(pc, pfn);
    return;
  }
  const req = cacheIoReqAlloc(as, CACHE_IO_READ, pc.index[pfn]!, endRunRead);
  req.pfns[0] = bounce;
  req.nr = 1;
  req.private_ = pfn;
  as.stats.nr_read_reqs++;
  as.io.submit(req);
  as.io.unplug();
}

function isRunFrame(as: AddressSpace, pfn: number): boolean {
  return (as.pc.flags[pfn] & PG_mmap_run) !== 0;
}

/** `readFolio`: a run frame through a bounce frame ({@link runReadFolio}). */
function mmapRunReadFolio(as: AddressSpace, pfn: number): void {
  if (isRunFrame(as, pfn)) runReadFolio(as, pfn);
  else defBlkAops.readFolio(as, pfn);
}

/** `isUptodate`: a run frame is uptodate once the worker (or the main thread) filled it. */
function mmapRunIsUptodate(as: AddressSpace, pfn: number): boolean {
  if (isRunFrame(as, pfn)) return runFolioUptodate(as.pc, pfn);
  return defBlkAops.isUptodate(as, pfn);
}

/** `isFilling`: the fault worker is reading into the run frame (READING). */
function mmapRunIsFilling(as: AddressSpace, pfn: number): boolean {
  if (isRunFrame(as, pfn)) return runStateOf(as.pc, pfn) === RUN_READING;
  return defBlkAops.isFilling(as, pfn);
}

/** `waitFilled`: until the run frame leaves READING. */
function mmapRunWaitFilled(as: AddressSpace, pfn: number): Promise<void> {
  if (isRunFrame(as, pfn)) return runWaitFilled(as.pc, pfn);
  return defBlkAops.waitFilled(as, pfn);
}

/**
 * `writeEnd`: a run frame that holds nothing yet is filled NONE -> COPYING -> UPTODATE in one
 * synchronous step from data staged first; false if the worker started filling it meanwhile.
 */
function mmapRunWriteEnd(as: AddressSpace, pfn: number, off: number, len: number, src: Uint8Array | IovIter, srcOff: number): boolean {
  const pc = as.pc;
  if (!isRunFrame(as, pfn) || folioTestUptodate(pc, pfn)) return defBlkAops.writeEnd(as, pfn, off, len, src, srcOff);
  // Gather the data first: if `src` is this very page of the view, touching it now faults and the
  // worker fills the frame, whereas touching it while the frame is COPYING would deadlock.
  const scratch = pc.scratch;
  if (src instanceof Uint8Array) scratch.set(src.subarray(srcOff, srcOff + len));
  else copyFromIter(scratch.subarray(0, len), len, src);
  const run = findRun(pc, pfn)!;
  if (!runFillFrame(pc, run, pfn, (p) => frameView(pc, p).set(scratch.subarray(0, len), off))) {
    if (!(src instanceof Uint8Array)) iovIterRevert(src, len);
    return false;
  }
  blockCommitWrite(as, pfn);
  return true;
}

/** The writepage of a run: write-protect a run frame's view page before its dirty bit is cleared. */
function mmapRunWritepage(as: AddressSpace, pfn: number, index: number, cur: CacheIoReq | null, wbc: WritebackControl): CacheIoReq {
  if (isRunFrame(as, pfn)) runMkclean(as, pfn);
  return mpageWritepage(as, pfn, index, cur, wbc);
}

/** `writepages`: first turn writes through the views of the range into dirty folios. */
function mmapRunWritepages(as: AddressSpace, wbc: WritebackControl): Promise<void> {
  runCollectDirty(as, wbc.first, wbc.last);
  return writeCachePages(as, wbc, mmapRunWritepage);
}

/** `releaseFolio`: a run frame stays while it is mapped (the view aliases it). */
function mmapRunReleaseFolio(as: AddressSpace, pfn: number): boolean {
  return !isRunFrame(as, pfn) && defBlkAops.releaseFolio(as, pfn);
}

/**
 * `invalidateFolio`: a run frame goes back to NONE and its view page is zapped, so the next touch
 * faults and reads the device again. @kernel mm/memory.c unmap_mapping_folio()
 */
function mmapRunInvalidateFolio(as: AddressSpace, pfn: number): void {
  if (!isRunFrame(as, pfn)) return defBlkAops.invalidateFolio(as, pfn);
  const run = findRun(as.pc, pfn);
  if (run === null) return;
  const k = pfn - run.firstPfn;
  Atomics.store(run.state, k, RUN_NONE);
  if (run.view !== null) arenaZapRange(run.view.iova + k * PAGE_SIZE, PAGE_SIZE);
}

/**
 * The operations of a mapping with live mmap runs (`mmap` installs them, `munmap` of the last run
 * restores `defBlkAops`). @kernel include/linux/fs.h struct address_space_operations
 */
export const mmapRunAops: AddressSpaceOperations = {
  readFolio: mmapRunReadFolio,
  isUptodate: mmapRunIsUptodate,
  isFilling: mmapRunIsFilling,
  waitFilled: mmapRunWaitFilled,
  writeEnd: mmapRunWriteEnd,
  dirtyFolio: filemapDirtyFolio,
  writepages: mmapRunWritepages,
  releaseFolio: mmapRunReleaseFolio,
  invalidateFolio: mmapRunInvalidateFolio,
};
