/**
 * An mmap run: the frames that back one mmap'd file range form one linear run of the arena, so a
 * slice alias of the arena is a real view of exactly those cache folios. Faults on the view are
 * served from the run's per-frame state, a SharedArrayBuffer word per frame that three parties
 * share: the main (JS) thread, the fault worker, and the native handler thread of the view's
 * userfaultfd (a frame resolver, `Userfaultfd.setFrameResolver`). The frame protocol (every access
 * a sequentially consistent atomic; README "mmap: the frame protocol"):
 *
 * - NONE -> READING -> UPTODATE: the worker only (CAS to claim; DMA into bounce frames, copy in,
 *   store). READING -> NONE (a fault-around frame given back) and -> NONE | ERROR (its read
 *   failed): the worker, or the supervisor once the worker is dead.
 * - NONE -> COPYING -> UPTODATE: the main thread only, in one synchronous stretch that never
 *   touches the view (it copies data it already read into a bounce frame or staged).
 * - UPTODATE -> NONE: the main thread only (invalidation), then it zaps the view page.
 * - The native handler never moves a frame between states and never waits on one: it maps a
 *   page whose frame is UPTODATE (and UPTODATE neighbours: fault-around) and defers the rest to
 *   the worker. Its one write is DIRTY, set before it maps a page writable.
 * - DIRTY is set by whoever maps a write fault (handler or worker; again after the map if writeback
 *   cleared it meanwhile) and by the main thread for logged write-protect faults; cleared by the
 *   main thread (writeback's mkclean, before it write-protects the page; a fill).
 * - After mapping, the handler re-reads the word and zaps a page whose frame stopped being
 *   UPTODATE, so no mapping outlives an invalidation.
 * The worker's only wait is for COPYING, a synchronous stretch of the main thread; the handler
 * never waits: a fault raised by any thread, the JS thread included, is always served.
 *
 * Flag bits: DIRTY (mapped writable after a write fault), ERROR (its read failed: the frame is
 * NONE | ERROR, never uptodate, never written back, until a later read fills it). This module holds
 * only the shapes (the fault worker imports it too); what the cache does with run frames is the
 * run's address space operations, `mmap-aops.ts`.
 */
import type { MmStruct } from '@biopath/mm';
import type { AddressSpace } from './address-space.ts';
import type { ArenaRegion, Userfaultfd } from './internal/native.ts';

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

/** One range of cache folios mapped into an emulated process (`mmap` with `mm`; see mmap-user.ts). */
export interface UserMapping {
  readonly mm: MmStruct;
  readonly addr: number;
  readonly firstIndex: number;
  /** Folio per mapped page, in page order. */
  readonly pfns: Int32Array;
  readonly run: MmapRun;
}
