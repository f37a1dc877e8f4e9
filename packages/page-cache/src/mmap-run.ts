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
 * This module holds only the shapes (the fault worker imports it too); what the cache does with
 * run frames is the run's address space operations, `mmap-aops.ts`.
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
