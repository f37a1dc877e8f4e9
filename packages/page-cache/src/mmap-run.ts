/**
 * An mmap run: the frames that back one mmap'd file range form one linear run of the arena, so a
 * slice alias of the arena is a real view of exactly those cache folios. The fault worker fills
 * frames on first touch; the main thread and the worker agree on each frame's state through a
 * SharedArrayBuffer, and the main thread never holds a frame in a state the worker would wait on
 * across an await, so a fault raised by the JS thread itself can always be served.
 *
 * States: NONE (no valid data) -> READING (worker only: DMA into the frame) -> UPTODATE; or
 * NONE -> COPYING (main only, synchronous copy of data it read into a bounce frame) -> UPTODATE.
 * Flag bits: DIRTY (the worker mapped the page writable after a write fault), ERROR (its read failed:
 * the frame is NONE | ERROR, never uptodate, never written back, until a later read fills it).
 */
import { allocPages, PAGE_SIZE, PG_uptodate, putPage } from '@biopath/mm';
import type { AddressSpace } from './address-space.ts';
import { CACHE_IO_READ, cacheIoReqAlloc, cacheIoReqFree, type CacheIoReq } from './cache-io.ts';
import { folioUnlock } from './folio-wait.ts';
import type { ArenaRegion, Userfaultfd } from './internal/native.ts';
import type { PageCache } from './page-cache.ts';
import { PG_error } from './page-flags.ts';

export const RUN_NONE = 0;
export const RUN_READING = 1;
export const RUN_UPTODATE = 2;
export const RUN_COPYING = 3;
export const RUN_STATE_MASK = 3;
export const RUN_DIRTY = 4;
export const RUN_ERROR = 8;

/** One live mapping's frames, view and fault machinery. */
export class MmapRun {
  readonly as: AddressSpace;
  /** Page index of the first mapped page. */
  readonly firstIndex: number;
  readonly nrPages: number;
  /** pfn of the first frame; frame k backs page firstIndex + k. */
  readonly firstPfn: number;
  /** Per-frame state, shared with the fault worker. */
  readonly state: Int32Array;
  readonly shared: boolean;
  view: ArenaRegion | null = null;
  uffd: Userfaultfd | null = null;
  /** Stops the fault worker and waits for it. */
  stopWorker: (() => Promise<void>) | null = null;
  /** Write faults seen through WP events not yet turned into dirty folios (dropped events make all dirty). */
  lostEvents = false;

  constructor(as: AddressSpace, firstIndex: number, nrPages: number, firstPfn: number, shared: boolean) {
    this.as = as;
    this.firstIndex = firstIndex;
    this.nrPages = nrPages;
    this.firstPfn = firstPfn;
    this.shared = shared;
    this.state = new Int32Array(new SharedArrayBuffer(nrPages * 4));
  }
}

/** The live run whose frames include `pfn`, or null. */
export function findRun(pc: PageCache, pfn: number): MmapRun | null {
  const as = pc.spaces[pc.mapping[pfn]];
  if (as === null || as === undefined) return null;
  for (const run of as.runs) if (pfn >= run.firstPfn && pfn < run.firstPfn + run.nrPages) return run;
  return null;
}

/** State (RUN_*) of run frame `pfn`; RUN_UPTODATE for a frame no run holds any more. */
export function runStateOf(pc: PageCache, pfn: number): number {
  const run = findRun(pc, pfn);
  if (run === null) return RUN_UPTODATE;
  return Atomics.load(run.state, pfn - run.firstPfn) & RUN_STATE_MASK;
}

/** Whether the worker (or main) has made run frame `pfn` uptodate; mirrors it into PG_uptodate. */
export function runFolioUptodate(pc: PageCache, pfn: number): boolean {
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
export async function runWaitFilled(pc: PageCache, pfn: number): Promise<void> {
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
export function runFillFrame(pc: PageCache, run: MmapRun, pfn: number, fill: (pfn: number) => void): boolean {
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
  const req = cacheIoReqAlloc(as.io);
  req.op = CACHE_IO_READ;
  req.as = as;
  req.index = pc.index[pfn];
  req.pos = as.start + req.index * PAGE_SIZE;
  req.pfns[0] = bounce;
  req.nr = 1;
  req.private_ = pfn;
  req.end = endRunRead;
  as.stats.nr_read_reqs++;
  as.io.submit(req);
  as.io.unplug();
}
