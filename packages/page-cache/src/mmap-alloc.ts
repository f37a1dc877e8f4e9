/**
 * Frames for an mmap run: one naturally aligned buddy block split into order-0 folios (the tail
 * past the run goes back to the allocator), and moving a cached folio's contents into its run
 * frame so that cache page and mapped page are one frame.
 * @kernel mm/huge_memory.c split_folio() (the bookkeeping part); mm/migrate.c migrate_folio(),
 *   mm/filemap.c replace_page_cache_folio()
 */
import { xaStore } from '@biopath/iov-iter';
import { allocPages, PAGE_SIZE, PG_dirty, PG_head, PG_uptodate, putPage, type MemMap } from '@biopath/mm';
import type { AddressSpace } from './address-space.ts';
import { folioWake } from './folio-wait.ts';
import { errno } from './internal/native.ts';
import { folioAddLru, folioDelLru } from './lru.ts';
import type { PageCache } from './page-cache.ts';
import { PG_error } from './page-flags.ts';
import { shrinkPageCache } from './vmscan.ts';

function orderFor(n: number): number {
  let o = 0;
  while ((1 << o) < n) o++;
  return o;
}

/** Turn the folio of order `order` at `head` into order-0 folios of refcount 1 each. */
function splitFolio(mem: MemMap, head: number, order: number): void {
  const end = head + (1 << order);
  for (let p = head; p < end; p++) {
    mem.head[p] = p;
    mem.order[p] = 0;
    mem.refcount[p] = 1;
    mem.flags[p] &= ~PG_head;
  }
}

/**
 * `n` physically consecutive order-0 frames (refcount 1 each), first pfn returned, or -ENOMEM.
 * Reclaims first so the cache stays within capacity once they join it.
 */
export function allocRunFrames(pc: PageCache, n: number): number {
  const over = pc.nr_file_pages + n - pc.capacity;
  if (over > 0) shrinkPageCache(pc, over);
  if (pc.nr_file_pages + n > pc.capacity) return -errno.ENOMEM;
  const order = orderFor(n);
  const head = allocPages(pc.mem, order);
  if (head < 0) return head;
  splitFolio(pc.mem, head, order);
  for (let p = head + n; p < head + (1 << order); p++) putPage(pc.mem, p);
  return head;
}

/**
 * Move cached folio `old` (locked by the caller, clean or dirty, not under writeback, not pinned)
 * into frame `frame`: contents, uptodate/dirty state, xarray slot (marks kept) and LRU membership.
 * The cache's reference on `old` is dropped. @kernel mm/migrate.c folio_migrate_mapping()
 */
export function replaceCacheFolio(as: AddressSpace, old: number, frame: number): void {
  const pc = as.pc;
  const mem = pc.mem;
  const index = pc.index[old];
  mem.bytes.copyWithin(frame * PAGE_SIZE, old * PAGE_SIZE, (old + 1) * PAGE_SIZE);
  mem.flags[frame] = (mem.flags[frame] & ~(PG_uptodate | PG_dirty)) | (mem.flags[old] & (PG_uptodate | PG_dirty));
  pc.flags[frame] = pc.flags[old] & PG_error;
  pc.mapping[frame] = as.id;
  pc.index[frame] = index;
  xaStore(as.i_pages, index, frame);
  folioDelLru(pc, old);
  folioAddLru(pc, frame);
  if (as.gupExposed.delete(old)) as.gupExposed.add(frame);
  pc.mapping[old] = 0;
  pc.flags[old] = 0;
  mem.flags[old] &= ~(PG_uptodate | PG_dirty);
  folioWake(pc, old);
  putPage(mem, old);
}
