/**
 * Which folios may be long-term pinned, and the migration FOLL_LONGTERM pins do first.
 * The model has one movable zone (the top `movablePages` frames, like `movablecore=`); there is no
 * CMA, no device-coherent memory and no fs-dax, so those refusals never arise.
 * @kernel include/linux/mm.h folio_is_longterm_pinnable()
 */
import { BiopathError, errno } from './arena.ts';
import { PAGE_SIZE } from './constants.ts';
import { FOLL_LONGTERM, FOLL_PIN } from './foll-flags.ts';
import { gupPutFolio } from './gup-grab.ts';
import type { MemMap } from './mem-map.ts';
import type { MmStruct } from './mm-struct.ts';
import { PG_anon, PG_anon_exclusive, PG_dirty, PG_uptodate } from './page-flags.ts';
import { putPage } from './page-ref.ts';
import { PTE_HUGE } from './page-table.ts';
import { allocPages } from './page-alloc.ts';

/**
 * Whether the folio holding `pfn` may be pinned with FOLL_LONGTERM: the zero page always; otherwise
 * any folio (small, THP, hugetlb) outside ZONE_MOVABLE. Throws EINVAL for a pfn outside the map.
 * @kernel include/linux/mm.h folio_is_longterm_pinnable()
 */
export function folioIsLongtermPinnable(mem: MemMap, pfn: number): boolean {
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= mem.nrPages) {
    throw new BiopathError('EINVAL', `folioIsLongtermPinnable(pfn): ${pfn} is not a frame of this MemMap`);
  }
  const head = mem.head[pfn];
  if (head === mem.zeroPfn || head === mem.hugeZeroPfn) return true;
  return head < mem.movableStart;
}

/**
 * Move the small anon page mapped at `vpn` of `mm` to a frame outside ZONE_MOVABLE: copy, carry the
 * anon/exclusive/dirty state, repoint the PTE, drop the old frame. Only a page whose one mapping
 * (here) holds its only reference can move (no rmap walk of other processes, no large folios, no
 * shmem); anything else fails as an unmovable folio does. Returns 0 or -ENOMEM.
 * @kernel mm/migrate.c migrate_pages()
 */
function migrateAnonPage(mm: MmStruct, vpn: number): number {
  const mem = mm.mem;
  const old = mm.pt.pfn(vpn);
  if (old < 0) return 0; // unmapped meanwhile: nothing to move
  const head = mem.head[old];
  if (head !== old || mem.order[head] !== 0 || (mem.flags[old] & PG_anon) === 0) return -errno.ENOMEM;
  if (mem.mapcount[old] !== 1 || mem.refcount[old] !== 1 || (mm.pt.bits(vpn) & PTE_HUGE) !== 0) return -errno.ENOMEM;
  const dst = allocPages(mem, 0, { below: mem.movableStart });
  if (dst < 0) return -errno.ENOMEM;
  mem.bytes.copyWithin(dst * PAGE_SIZE, old * PAGE_SIZE, (old + 1) * PAGE_SIZE);
  mem.flags[dst] |= mem.flags[old] & (PG_anon | PG_anon_exclusive | PG_dirty | PG_uptodate);
  mem.mapcount[dst] = 1;
  mm.pt.set(vpn, dst, mm.pt.bits(vpn));
  mem.mapcount[old] = 0;
  putPage(mem, old);
  return 0;
}

/**
 * After a FOLL_LONGTERM pin of `nr` pages from `start` into `pages[off..]`: if every folio is
 * longterm-pinnable, keep the pins and return 0. Otherwise drop every pin just taken, migrate the
 * unpinnable pages out of ZONE_MOVABLE and return -EAGAIN (the caller pins again), or -ENOMEM when a
 * page cannot move (the pins are dropped either way).
 * @kernel mm/gup.c check_and_migrate_movable_pages()
 */
export function checkAndMigrateMovablePages(
  mm: MmStruct, start: number, nr: number, pages: Int32Array, off: number, flags: number,
): number {
  const mem = mm.mem;
  if ((flags & (FOLL_PIN | FOLL_LONGTERM)) !== (FOLL_PIN | FOLL_LONGTERM)) return 0;
  const movable: number[] = [];
  for (let i = 0; i < nr; i++) if (!folioIsLongtermPinnable(mem, pages[off + i])) movable.push(i);
  if (movable.length === 0) return 0;
  for (let i = 0; i < nr; i++) gupPutFolio(mem, mem.head[pages[off + i]], 1, flags);
  const vpn0 = Math.floor(start / PAGE_SIZE);
  for (const i of movable) if (migrateAnonPage(mm, vpn0 + i) < 0) return -errno.ENOMEM;
  return -errno.EAGAIN;
}
