/**
 * hugetlb pools: per-size sets of huge folios taken out of the buddy allocator, handed to hugetlb
 * mappings on fault and returned to the pool (not the buddy) when their last reference goes.
 * @kernel mm/hugetlb.c struct hstate
 */
import { BiopathError, errno } from './arena.ts';
import { HPAGE_PMD_ORDER, HPAGE_PUD_ORDER, PAGE_SIZE } from './constants.ts';
import type { MemMap } from './mem-map.ts';
import { allocPages, freeFolio } from './page-alloc.ts';
import { PG_head, PG_hugetlb } from './page-flags.ts';

/** The hugetlb page sizes of x86-64: `hugepages-2048kB` and `hugepages-1048576kB`. */
export type HugetlbSize = '2M' | '1G';
export const HUGETLB_SIZES: readonly HugetlbSize[] = ['2M', '1G'];

/** Folio order of each hugetlb size. */
export function hugetlbOrder(size: HugetlbSize): number {
  return size === '2M' ? HPAGE_PMD_ORDER : HPAGE_PUD_ORDER;
}

/** One size's pool. @kernel include/linux/hugetlb.h struct hstate */
export interface HugetlbPool {
  readonly size: HugetlbSize;
  readonly order: number;
  /** head pfns of free huge folios (refcount 0, PG_hugetlb) */
  readonly free: number[];
  /** @kernel mm/hugetlb.c hstate.nr_huge_pages */
  nrHugepages: number;
}

/** What `/sys/kernel/mm/hugepages/hugepages-<size>kB/` shows. */
export interface HugetlbPoolStats {
  size: HugetlbSize;
  nr_hugepages: number;
  free_hugepages: number;
}

/** The pool of `size` on `mem` (created empty on first use). */
export function hugetlbPool(mem: MemMap, size: HugetlbSize): HugetlbPool {
  let pool = mem.hugetlbPools.find((p) => p.size === size);
  if (pool === undefined) {
    pool = { size, order: hugetlbOrder(size), free: [], nrHugepages: 0 };
    mem.hugetlbPools.push(pool);
  }
  return pool;
}

/** Reset a huge folio's per-page state and mark it a free pool page. */
function prepPoolFolio(mem: MemMap, head: number, order: number): void {
  const end = head + (1 << order);
  for (let p = head; p < end; p++) {
    mem.head[p] = head;
    mem.flags[p] = 0;
    mem.mapcount[p] = 0;
    mem.pincount[p] = 0;
    mem.dbgPins[p] = 0;
    mem.order[p] = 0;
  }
  mem.entireMapcount[head] = 0;
  mem.order[head] = order;
  mem.refcount[head] = 0;
  mem.flags[head] = PG_hugetlb | PG_head;
}

/**
 * Grow or shrink the pool of `size` to `nr` huge pages, like writing `nr_hugepages` in sysfs: growing
 * takes naturally aligned blocks from the buddy allocator and stops quietly when none is left (the
 * kernel does the same); shrinking gives back free pool pages only. Returns the new pool size.
 * Throws BiopathError('EINVAL') for a size or count that is not one.
 * @kernel mm/hugetlb.c set_max_huge_pages()
 */
export function setNrHugepages(mem: MemMap, size: HugetlbSize, nr: number): number {
  if (!HUGETLB_SIZES.includes(size)) {
    throw new BiopathError('EINVAL', `setNrHugepages(size): ${String(size)} is not one of ${HUGETLB_SIZES.join(', ')}`);
  }
  if (!Number.isInteger(nr) || nr < 0) throw new BiopathError('EINVAL', `setNrHugepages(nr): ${nr} is not a count`);
  const pool = hugetlbPool(mem, size);
  while (pool.nrHugepages < nr) {
    const head = allocPages(mem, pool.order);
    if (head < 0) break;
    prepPoolFolio(mem, head, pool.order);
    pool.free.push(head);
    pool.nrHugepages++;
  }
  while (pool.nrHugepages > nr && pool.free.length > 0) {
    const head = pool.free.pop()!;
    mem.flags[head] = PG_head;
    freeFolio(mem, head);
    pool.nrHugepages--;
  }
  return pool.nrHugepages;
}

/** The pool counters of `size`. @kernel mm/hugetlb.c nr_hugepages_show() / free_hugepages_show() */
export function hugetlbPoolStats(mem: MemMap, size: HugetlbSize): HugetlbPoolStats {
  const pool = hugetlbPool(mem, size);
  return { size, nr_hugepages: pool.nrHugepages, free_hugepages: pool.free.length };
}

/**
 * Take a free huge folio (refcount 1, zeroed) from the pool of `order`, or -ENOMEM when it is empty
 * (no surplus pages, no reservations: see the README).
 * @kernel mm/hugetlb.c alloc_hugetlb_folio()
 */
export function allocHugetlbFolio(mem: MemMap, order: number, zero: boolean): number {
  const pool = mem.hugetlbPools.find((p) => p.order === order);
  if (pool === undefined || pool.free.length === 0) return -errno.ENOMEM;
  const head = pool.free.pop()!;
  mem.refcount[head] = 1;
  if (zero) mem.bytes.fill(0, head * PAGE_SIZE, (head + (1 << order)) * PAGE_SIZE);
  return head;
}

/**
 * A huge folio's last reference went: back to its pool.
 * @kernel mm/hugetlb.c free_huge_folio()
 */
export function freeHugetlbFolio(mem: MemMap, head: number): void {
  const order = mem.order[head];
  prepPoolFolio(mem, head, order);
  hugetlbPool(mem, order === HPAGE_PMD_ORDER ? '2M' : '1G').free.push(head);
}
