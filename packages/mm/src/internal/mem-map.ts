/**
 * `mem_map`: per-frame metadata as struct-of-arrays typed arrays over one native arena region.
 * @kernel include/linux/mm_types.h struct page
 */
import type { ArenaMemory } from './arena.ts';
import { MAX_PAGE_ORDER, PAGE_SIZE, type Profile } from './constants.ts';
import type { HugetlbPool } from './hugetlb-pool.ts';
import type { SwapSlot } from './swap.ts';
import { PG_dirty, PG_p2pdma, PG_zero } from './page-flags.ts';

/**
 * All page frames of one emulated machine. Frame `pfn` is the 4096 bytes at `bytes[pfn * 4096]`,
 * which is arena memory at DMA address `region.iova + pfn * 4096`.
 *
 * Folio-wide state (refcount, pincount, order, folio flags) is kept on the head pfn; tail pages have
 * refcount 0 and `head[tail] === head`. `mapcount` and `PG_anon_exclusive` are per page.
 */
export class MemMap {
  readonly profile: Profile;
  readonly nrPages: number;
  readonly bytes: Uint8Array;
  readonly region: { readonly id: number; readonly iova: number; readonly size: number };
  readonly refcount: Int32Array;
  readonly mapcount: Int32Array;
  /**
   * `_entire_mapcount`, on the head: how many PMD/PUD-level mappings (PMD-mapped THP, hugetlb) map the
   * whole folio. Each such mapping holds one folio reference, not one per page.
   */
  readonly entireMapcount: Int32Array;
  /** `_pincount`, meaningful on the head of a folio that has one ({@link folioHasPincount}). */
  readonly pincount: Int32Array;
  readonly flags: Uint32Array;
  readonly order: Uint8Array;
  readonly head: Int32Array;
  readonly zeroPfn: number;
  /** Head of the huge zero page (a reserved order-9 folio), or -1 when `createMemMap({ hugeZeroPage })` was not asked. */
  hugeZeroPfn = -1;
  /** @kernel mm/vmstat.c NR_FOLL_PIN_ACQUIRED */
  nrFollPinAcquired = 0;
  /** @kernel mm/vmstat.c NR_FOLL_PIN_RELEASED */
  nrFollPinReleased = 0;
  /**
   * Debug shadow of the pins held on each folio head, small folios included (the kernel has no such
   * count for small folios; this model keeps one to detect mismatched release, like CONFIG_DEBUG_VM would).
   */
  readonly dbgPins: Int32Array;
  /** Smallest folio order with its own `_pincount` (1 on 64-bit; 2 for the 32-bit `current` variant). */
  readonly pincountMinOrder: number;
  /** Whether FOLL_PIN leaves the zero page alone (6.5+: `merged`, `current`). */
  readonly zeroPageNeverPinned: boolean;
  /**
   * Whether vmsplice() takes FOLL_PIN pins (the seed mail's expectation) instead of FOLL_GET
   * references (what every modelled kernel does). Set by `createMemMap({ vmsplice: 'FOLL_PIN' })`.
   */
  readonly vmsplicePins: boolean;
  /** @internal hugetlb pools, one per size (2 MiB, 1 GiB). */
  readonly hugetlbPools: HugetlbPool[] = [];
  /** @internal the swap area: used slots (the swap "device" keeps page copies in JS memory). */
  readonly swapSlots = new Map<number, SwapSlot>();
  /** @internal next swap slot number to hand out */
  swapNext = 0;
  /** Free frames in the buddy allocator. */
  nrFree = 0;
  /** @internal buddy free lists: next/prev per block head, list head per order (-1 = empty). */
  readonly freeNext: Int32Array;
  readonly freePrev: Int32Array;
  readonly freeHead: Int32Array;
  /** @internal vmalloc areas: start kaddr -> backing pfns; page-granular kaddr index -> pfn. */
  readonly vmallocAreas = new Map<number, Int32Array>();
  readonly vmallocPfn = new Map<number, number>();
  vmallocNext = 0;
  destroyed = false;
  /** first pfn of ZONE_MOVABLE (`nrPages` when there is none): frames from here are not longterm-pinnable */
  movableStart: number;

  constructor(arena: ArenaMemory, nrPages: number, profile: Profile, bits: 32 | 64, vmsplicePins = false) {
    this.vmsplicePins = vmsplicePins;
    this.entireMapcount = new Int32Array(nrPages);
    this.profile = profile;
    this.nrPages = nrPages;
    this.bytes = new Uint8Array(arena.buffer, 0, nrPages * PAGE_SIZE);
    this.region = Object.freeze({ id: arena.id, iova: arena.iova, size: arena.size });
    this.refcount = new Int32Array(nrPages);
    this.mapcount = new Int32Array(nrPages);
    this.pincount = new Int32Array(nrPages);
    this.flags = new Uint32Array(nrPages);
    this.order = new Uint8Array(nrPages);
    this.head = new Int32Array(nrPages);
    this.dbgPins = new Int32Array(nrPages);
    this.freeNext = new Int32Array(nrPages).fill(-1);
    this.freePrev = new Int32Array(nrPages).fill(-1);
    this.freeHead = new Int32Array(MAX_PAGE_ORDER + 1).fill(-1);
    this.zeroPfn = 0;
    this.movableStart = nrPages;
    this.pincountMinOrder = profile === 'current' && bits === 32 ? 2 : 1;
    this.zeroPageNeverPinned = profile === 'merged' || profile === 'current';
    for (let i = 0; i < nrPages; i++) this.head[i] = i;
  }
}

/** @kernel include/linux/page-flags.h page_folio() — the head pfn of the folio holding `pfn`. */
export function pageFolio(mem: MemMap, pfn: number): number {
  return mem.head[pfn];
}

/** @kernel include/linux/mm.h folio_nr_pages() */
export function folioNrPages(mem: MemMap, headPfn: number): number {
  return 1 << mem.order[mem.head[headPfn]];
}

/** @kernel include/linux/mm.h folio_has_pincount() — large folio (order ≥ 2 on the 32-bit variant). */
export function folioHasPincount(mem: MemMap, pfn: number): boolean {
  return mem.order[mem.head[pfn]] >= mem.pincountMinOrder;
}

/** @kernel include/linux/pgtable.h is_zero_pfn() */
export function isZeroPfn(mem: MemMap, pfn: number): boolean {
  return pfn === mem.zeroPfn;
}

/** @kernel include/linux/memremap.h is_pci_p2pdma_page() */
export function isP2pdmaPage(mem: MemMap, pfn: number): boolean {
  return (mem.flags[mem.head[pfn]] & PG_p2pdma) !== 0;
}

/** @kernel include/linux/page-flags.h PageDirty() (folio-wide) */
export function pageDirty(mem: MemMap, pfn: number): boolean {
  return (mem.flags[mem.head[pfn]] & PG_dirty) !== 0;
}

/** @kernel mm/page-writeback.c set_page_dirty() — the zero page is never dirtied. */
export function setPageDirty(mem: MemMap, pfn: number): void {
  const head = mem.head[pfn];
  if ((mem.flags[head] & PG_zero) === 0) mem.flags[head] |= PG_dirty;
}

/** Throw-free range check used by API-edge validators. */
export function pfnValid(mem: MemMap, pfn: number): boolean {
  return Number.isInteger(pfn) && pfn >= 0 && pfn < mem.nrPages;
}
