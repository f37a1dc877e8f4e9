/**
 * PG_* bits kept in `MemMap.flags` (one Uint32 per pfn). Folio-wide bits (dirty, locked, uptodate,
 * anon, zero, p2pdma, reserved) live on the head pfn; `PG_anon_exclusive` is per page, as in the kernel.
 * @kernel include/linux/page-flags.h enum pageflags
 */
export const PG_locked = 1 << 0;
export const PG_uptodate = 1 << 1;
export const PG_dirty = 1 << 2;
export const PG_head = 1 << 3;
export const PG_reserved = 1 << 4;
/** Folio is anonymous memory (the kernel encodes this in `page->mapping` bit 0). */
export const PG_anon = 1 << 5;
/** @kernel include/linux/page-flags.h PageAnonExclusive() */
export const PG_anon_exclusive = 1 << 6;
/** The shared zero page. */
export const PG_zero = 1 << 7;
/** A PCI peer-to-peer DMA page (ZONE_DEVICE with a p2pdma pgmap). */
export const PG_p2pdma = 1 << 8;
/** Free block in the buddy allocator (head of the block). */
export const PG_buddy = 1 << 9;
/** Page backs a vmalloc area. */
export const PG_vmalloc = 1 << 10;
/** Page belongs to a shmem object (MAP_SHARED anonymous memory). */
export const PG_shmem = 1 << 11;
/** Folio belongs to a hugetlb pool (free or in use); on the head. @kernel include/linux/page-flags.h folio_test_hugetlb() */
export const PG_hugetlb = 1 << 12;

/** Folio-wide bits cleared when a folio is freed. */
export const PG_FREE_CLEAR = ~(PG_buddy | PG_reserved | PG_zero) >>> 0;

/** Names for diagnostics, bit order. */
export const PG_NAMES: readonly string[] = [
  'locked', 'uptodate', 'dirty', 'head', 'reserved', 'anon', 'anon_exclusive', 'zero', 'p2pdma', 'buddy',
  'vmalloc', 'shmem', 'hugetlb',
];
