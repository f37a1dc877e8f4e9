/**
 * The frame allocator: a binary buddy allocator whose free lists are intrusive typed-array lists,
 * so allocating and freeing never allocate JS objects.
 * @kernel mm/page_alloc.c __alloc_pages()
 */
import { errno } from './arena.ts';
import { MAX_PAGE_ORDER, PAGE_SIZE } from './constants.ts';
import type { MemMap } from './mem-map.ts';
import { PG_buddy, PG_head } from './page-flags.ts';

function listAdd(mem: MemMap, pfn: number, order: number): void {
  const first = mem.freeHead[order];
  mem.freeNext[pfn] = first;
  mem.freePrev[pfn] = -1;
  if (first >= 0) mem.freePrev[first] = pfn;
  mem.freeHead[order] = pfn;
  mem.flags[pfn] = PG_buddy;
  mem.order[pfn] = order;
}

function listDel(mem: MemMap, pfn: number, order: number): void {
  const next = mem.freeNext[pfn];
  const prev = mem.freePrev[pfn];
  if (prev >= 0) mem.freeNext[prev] = next;
  else mem.freeHead[order] = next;
  if (next >= 0) mem.freePrev[next] = prev;
  mem.freeNext[pfn] = -1;
  mem.freePrev[pfn] = -1;
  mem.flags[pfn] = 0;
}

/** Put every frame from `first` up into the free lists as naturally aligned blocks. */
export function buddyInit(mem: MemMap, first: number): void {
  let pfn = first;
  while (pfn < mem.nrPages) {
    let order = 0;
    while (
      order < MAX_PAGE_ORDER &&
      pfn % (2 << order) === 0 &&
      pfn + (2 << order) <= mem.nrPages
    ) order++;
    listAdd(mem, pfn, order);
    mem.nrFree += 1 << order;
    pfn += 1 << order;
  }
}

/**
 * Allocate a folio of `2^order` frames: the head pfn with refcount 1, or -ENOMEM.
 * `gfp.zero` clears the memory (__GFP_ZERO); `gfp.below` takes only frames below that pfn (no __GFP_MOVABLE: keeps out of ZONE_MOVABLE).
 * @kernel mm/page_alloc.c __alloc_pages()
 */
export function allocPages(mem: MemMap, order: number, gfp?: { zero?: boolean; below?: number }): number {
  if (!Number.isInteger(order) || order < 0 || order > MAX_PAGE_ORDER || mem.destroyed) return -errno.ENOMEM;
  const limit = gfp?.below ?? mem.nrPages;
  let o = order;
  let pfn = -1;
  for (; o <= MAX_PAGE_ORDER; o++) {
    pfn = firstFreeBelow(mem, o, order, limit);
    if (pfn >= 0) break;
  }
  if (o > MAX_PAGE_ORDER) return -errno.ENOMEM;
  listDel(mem, pfn, o);
  while (o > order) {
    o--;
    listAdd(mem, pfn + (1 << o), o);
  }
  prepNewFolio(mem, pfn, order);
  mem.nrFree -= 1 << order;
  if (gfp?.zero) mem.bytes.fill(0, pfn * PAGE_SIZE, (pfn + (1 << order)) * PAGE_SIZE);
  return pfn;
}

/**
 * The first free block of order `o` whose leading `2^order` frames end at or below `limit` (pfn), or -1.
 * Without a limit this is the list head; with one (allocations that must avoid ZONE_MOVABLE) the list is walked.
 */
function firstFreeBelow(mem: MemMap, o: number, order: number, limit: number): number {
  let pfn = mem.freeHead[o];
  while (pfn >= 0 && pfn + (1 << order) > limit) pfn = mem.freeNext[pfn];
  return pfn;
}

/** @kernel mm/page_alloc.c prep_new_page() / prep_compound_page() */
function prepNewFolio(mem: MemMap, pfn: number, order: number): void {
  const end = pfn + (1 << order);
  for (let p = pfn; p < end; p++) {
    mem.head[p] = pfn;
    mem.flags[p] = 0;
    mem.refcount[p] = 0;
    mem.mapcount[p] = 0;
    mem.pincount[p] = 0;
    mem.dbgPins[p] = 0;
    mem.order[p] = 0;
  }
  mem.order[pfn] = order;
  mem.entireMapcount[pfn] = 0;
  mem.refcount[pfn] = 1;
  if (order > 0) mem.flags[pfn] = PG_head;
}

/**
 * Return a folio whose refcount reached zero to the buddy lists, merging with free buddies.
 * Callers have already checked the refcount; per-page state is reset here.
 * @kernel mm/page_alloc.c __free_pages_ok()
 */
export function freeFolio(mem: MemMap, head: number): void {
  let order = mem.order[head];
  const end = head + (1 << order);
  mem.entireMapcount[head] = 0;
  for (let p = head; p < end; p++) {
    mem.head[p] = p;
    mem.flags[p] = 0;
    mem.mapcount[p] = 0;
    mem.pincount[p] = 0;
    mem.dbgPins[p] = 0;
    mem.order[p] = 0;
  }
  mem.nrFree += 1 << order;
  let pfn = head;
  while (order < MAX_PAGE_ORDER) {
    const buddy = pfn ^ (1 << order);
    if (buddy <= mem.zeroPfn || buddy + (1 << order) > mem.nrPages) break;
    if ((mem.flags[buddy] & PG_buddy) === 0 || mem.order[buddy] !== order) break;
    listDel(mem, buddy, order);
    mem.order[buddy] = 0;
    pfn = Math.min(pfn, buddy);
    order++;
  }
  listAdd(mem, pfn, order);
}
