/**
 * `struct folio_queue`: a segment of up to {@link PAGEVEC_SIZE} folio slots, chained both ways.
 * ITER_FOLIOQ (6.12+, profile `current`) walks the folios slot by slot across segments.
 * A folio is its head pfn; the queue holds no references (the owner does).
 *
 * @kernel include/linux/folio_queue.h
 */
import { BiopathError } from './internal/errors.ts';
import { PAGE_SIZE, folioNrPages, type MemMap } from '@biopath/mm';

/** Slots per folio_queue segment. @kernel include/linux/pagevec.h PAGEVEC_SIZE */
export const PAGEVEC_SIZE = 31;

/** @kernel include/linux/pagevec.h struct folio_batch */
export interface FolioBatch {
  nr: number;
  /** Head pfns; -1 in unused slots. */
  folios: Int32Array;
}

/** @kernel include/linux/folio_queue.h struct folio_queue */
export interface FolioQueue {
  vec: FolioBatch;
  /** Order of the folio in each slot. */
  orders: Uint8Array;
  next: FolioQueue | null;
  prev: FolioQueue | null;
}

/** An empty segment. @kernel folioq_init() */
export function createFolioQueue(): FolioQueue {
  return {
    vec: { nr: 0, folios: new Int32Array(PAGEVEC_SIZE).fill(-1) },
    orders: new Uint8Array(PAGEVEC_SIZE), next: null, prev: null,
  };
}

/** A new empty segment chained after `folioq` (which must be the tail). */
export function folioqAppendSegment(folioq: FolioQueue): FolioQueue {
  if (folioq.next !== null) throw new BiopathError('EINVAL', 'folioqAppendSegment(folioq): not the last segment');
  const next = createFolioQueue();
  next.prev = folioq;
  folioq.next = next;
  return next;
}

/** Capacity of a segment. @kernel folioq_nr_slots() */
export function folioqNrSlots(_folioq: FolioQueue): number {
  return PAGEVEC_SIZE;
}

/** Slots in use. @kernel folioq_count() */
export function folioqCount(folioq: FolioQueue): number {
  return folioq.vec.nr;
}

/** @kernel folioq_full() */
export function folioqFull(folioq: FolioQueue): boolean {
  return folioq.vec.nr >= PAGEVEC_SIZE;
}

/**
 * Put folio `pfn` (a head pfn) in the next free slot, recording its order from `mem`; returns the slot.
 * @kernel folioq_append()
 */
export function folioqAppend(mem: MemMap, folioq: FolioQueue, pfn: number): number {
  if (folioqFull(folioq)) throw new BiopathError('ENOSPC', 'folioqAppend(folioq): all 31 slots are in use');
  const slot = folioq.vec.nr++;
  folioq.vec.folios[slot] = pfn;
  folioq.orders[slot] = 31 - Math.clz32(folioNrPages(mem, pfn));
  return slot;
}

/** Head pfn in `slot`, or -1. @kernel folioq_folio() */
export function folioqFolio(folioq: FolioQueue, slot: number): number {
  return folioq.vec.folios[slot] ?? -1;
}

/** @kernel folioq_folio_order() */
export function folioqFolioOrder(folioq: FolioQueue, slot: number): number {
  return folioq.orders[slot] ?? 0;
}

/** Bytes of the folio in `slot` (0 for an empty slot). @kernel folioq_folio_size() */
export function folioqFolioSize(folioq: FolioQueue, slot: number): number {
  return slot < folioq.vec.nr ? PAGE_SIZE * 2 ** folioq.orders[slot]! : 0;
}
