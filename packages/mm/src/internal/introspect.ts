/**
 * Introspection: a process's view of one page (/proc/pid/pagemap) and a frame's state as the kernel's
 * dump_page() prints it.
 * @kernel fs/proc/task_mmu.c pagemap_read()
 */
import { BiopathError } from './arena.ts';
import { PAGE_SIZE } from './constants.ts';
import { folioHasPincount, type MemMap, pfnValid } from './mem-map.ts';
import type { MmStruct } from './mm-struct.ts';
import { PG_anon_exclusive, PG_NAMES } from './page-flags.ts';
import { PTE_HUGE } from './page-table.ts';

/** One pagemap entry. @kernel fs/proc/task_mmu.c PM_PRESENT, PM_SWAP, PM_MMAP_EXCLUSIVE */
export interface PagemapEntry {
  /** a page is mapped (PM_PRESENT) */
  present: boolean;
  /** a swap entry is there (PM_SWAP) */
  swapped: boolean;
  /** the mapped frame, or -1 */
  pfn: number;
  /** mapped by a PMD/PUD leaf (PMD THP, hugetlb) */
  huge: boolean;
  /** the page is mapped exactly once (PM_MMAP_EXCLUSIVE) */
  exclusive: boolean;
}

/** What `/proc/self/pagemap` says about the page holding `addr`. Throws EINVAL for a bad address. */
export function pagemapEntry(mm: MmStruct, addr: number): PagemapEntry {
  if (!Number.isSafeInteger(addr) || addr < 0) throw new BiopathError('EINVAL', `pagemap(addr): ${addr} is not a user address`);
  const vpn = Math.floor(addr / PAGE_SIZE);
  const pfn = mm.pt.pfn(vpn);
  const mem = mm.mem;
  if (pfn < 0) return { present: false, swapped: mm.swapPtes.has(vpn), pfn: -1, huge: false, exclusive: false };
  const huge = (mm.pt.bits(vpn) & PTE_HUGE) !== 0;
  const head = mem.head[pfn];
  const mapped = huge ? mem.entireMapcount[head] : mem.mapcount[pfn] + mem.entireMapcount[head];
  return { present: true, swapped: false, pfn, huge, exclusive: mapped === 1 };
}

/**
 * One line describing frame `pfn` the way dump_page() does: refcount, mapcount, pincount, folio
 * order and head, and the PG_* flags by name. Throws EINVAL for a pfn outside the map.
 * @kernel mm/debug.c dump_page()
 */
export function dumpPage(mem: MemMap, pfn: number): string {
  if (!pfnValid(mem, pfn)) throw new BiopathError('EINVAL', `dumpPage(pfn): ${pfn} is not a frame of this MemMap`);
  const head = mem.head[pfn];
  const perPage = (bit: number): boolean => (1 << bit) === PG_anon_exclusive;
  const names = PG_NAMES.filter((_, bit) => ((perPage(bit) ? mem.flags[pfn] : mem.flags[head]) & (1 << bit)) !== 0);
  const parts = [
    `page: refcount:${mem.refcount[head]} mapcount:${mem.mapcount[pfn]}`,
    `entire_mapcount:${mem.entireMapcount[head]}`,
    folioHasPincount(mem, head) ? `pincount:${mem.pincount[head]}` : `pins(dbg):${mem.dbgPins[head]}`,
    `pfn:${pfn}`,
    mem.order[head] > 0 ? `head:${head} order:${mem.order[head]}` : 'order:0',
    `flags: ${names.join('|') || '0'}`,
  ];
  return parts.join(' ');
}
