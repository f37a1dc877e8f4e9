/**
 * Creating and destroying a MemMap over a native arena region, and frame addressing.
 * @kernel mm/mm_init.c free_area_init()
 */
import { arenaMap, arenaUnmap, BiopathError } from './arena.ts';
import { HPAGE_PMD_ORDER, PAGE_SIZE, PROFILES, type Profile } from './constants.ts';
import { MemMap } from './mem-map.ts';
import { HUGETLB_SIZES, type HugetlbSize, setNrHugepages } from './hugetlb-pool.ts';
import { allocPages, buddyInit } from './page-alloc.ts';
import { PG_reserved, PG_uptodate, PG_zero } from './page-flags.ts';

/** Options of {@link createMemMap}. */
export interface MemMapOpts {
  /** frames, including the zero page (at least 2) */
  nrPages: number;
  /** behaviour profile, default `merged` */
  profile?: Profile;
  /** ask the arena for transparent huge pages */
  hugepage?: boolean;
  /** word size of the modelled machine; 32 only changes `folio_has_pincount` under `current` */
  bits?: 32 | 64;
  /**
   * hugetlb pool sizes to set up (`nr_hugepages` per size), e.g. `{ '2M': 2, '1G': 2 }` as in the
   * seed mail. A pool gets fewer pages when the arena has no naturally aligned free block left (a
   * 1 GiB page needs a 1 GiB-aligned block: nrPages >= 2^19 for the first one). Default: no pools.
   */
  nrHugepages?: Partial<Record<HugetlbSize, number>>;
  /**
   * How vmsplice() takes its page references: `FOLL_GET` (default; every modelled kernel) or
   * `FOLL_PIN` (what the seed mail expected would fix vmsplice + hugetlb; never merged).
   */
  vmsplice?: 'FOLL_GET' | 'FOLL_PIN';
  /**
   * Set aside a huge zero page (2 MiB of frames) for read faults in MADV_HUGEPAGE areas, like the
   * kernel's `transparent_hugepage/use_zero_page` (whose default is on; here off, to keep small maps small).
   */
  hugeZeroPage?: boolean;
  /**
   * The top `movablePages` frames form ZONE_MOVABLE (like `movablecore=`): ordinary allocations may
   * land there, but FOLL_LONGTERM pins migrate anonymous pages out of it first. Default 0.
   */
  movablePages?: number;
}

/** Upper bound on frames per MemMap (16 GiB). */
const MAX_NR_PAGES = 1 << 22;

/**
 * Map `nrPages` frames of native arena memory and set up mem_map: pfn 0 is the reserved zero page,
 * every other frame is free in the buddy allocator.
 */
export function createMemMap(opts: MemMapOpts): MemMap {
  const { nrPages } = opts;
  const profile = opts.profile ?? 'merged';
  if (!Number.isInteger(nrPages) || nrPages < 2 || nrPages > MAX_NR_PAGES) {
    throw new BiopathError('EINVAL', `createMemMap(nrPages): ${nrPages} is not an integer in 2..${MAX_NR_PAGES}`);
  }
  if (!PROFILES.includes(profile)) {
    throw new BiopathError('EINVAL', `createMemMap(profile): ${String(profile)} is not one of ${PROFILES.join(', ')}`);
  }
  const bits = opts.bits ?? 64;
  if (bits !== 32 && bits !== 64) throw new BiopathError('EINVAL', `createMemMap(bits): ${String(bits)} is not 32 or 64`);
  const vms = opts.vmsplice ?? 'FOLL_GET';
  if (vms !== 'FOLL_GET' && vms !== 'FOLL_PIN') {
    throw new BiopathError('EINVAL', `createMemMap(vmsplice): ${String(vms)} is not FOLL_GET or FOLL_PIN`);
  }
  const pools = opts.nrHugepages ?? {};
  for (const [size, nr] of Object.entries(pools)) {
    if (!HUGETLB_SIZES.includes(size as HugetlbSize) || !Number.isInteger(nr) || nr! < 0) {
      throw new BiopathError('EINVAL', `createMemMap(nrHugepages): ${size}: ${String(nr)} is not a size (2M, 1G) with a count`);
    }
  }
  const movable = opts.movablePages ?? 0;
  if (!Number.isInteger(movable) || movable < 0 || movable >= nrPages) {
    throw new BiopathError('EINVAL', `createMemMap(movablePages): ${String(movable)} is not an integer in 0..${nrPages - 1}`);
  }
  const arena = arenaMap(nrPages * PAGE_SIZE, opts.hugepage === true);
  const mem = new MemMap(arena, nrPages, profile, bits, vms === 'FOLL_PIN');
  mem.movableStart = nrPages - movable;
  const z = mem.zeroPfn;
  mem.flags[z] = PG_reserved | PG_zero | PG_uptodate;
  mem.refcount[z] = 1;
  mem.bytes.fill(0, z * PAGE_SIZE, (z + 1) * PAGE_SIZE);
  buddyInit(mem, z + 1);
  if (opts.hugeZeroPage === true) {
    try {
      setupHugeZeroPage(mem);
    } catch (e) {
      arenaUnmap(arena.id);
      throw e;
    }
  }
  for (const size of [...HUGETLB_SIZES].reverse()) setNrHugepages(mem, size, pools[size] ?? 0);
  alive.add(mem);
  return mem;
}

/** Reserve the huge zero page: a zeroed order-9 folio, reserved, never freed. @kernel mm/huge_memory.c get_huge_zero_page() */
function setupHugeZeroPage(mem: MemMap): void {
  const head = allocPages(mem, HPAGE_PMD_ORDER, { zero: true });
  if (head < 0) throw new BiopathError('ENOMEM', `createMemMap(hugeZeroPage): no free 2 MiB block in ${mem.nrPages} frames`);
  mem.flags[head] |= PG_reserved | PG_zero | PG_uptodate;
  mem.hugeZeroPfn = head;
}

/** MemMaps created and not yet destroyed, for the leak gate (CONFIG_DEBUG_VM-style bookkeeping). */
const alive = new Set<MemMap>();
let pinsAtDestroy = 0;

/** The MemMaps of this process that are not destroyed yet. */
export function liveMemMaps(): readonly MemMap[] {
  return [...alive];
}

/**
 * FOLL_PIN pins that were still outstanding (acquired minus released) when their MemMap was
 * destroyed, summed over this process: the leak gate's witness for maps a test made and dropped.
 */
export function pinsOutstandingAtDestroy(): number {
  return pinsAtDestroy;
}

/** Unmap the arena region. Any later use of `mem` or of views into it is invalid. */
export function destroyMemMap(mem: MemMap): void {
  if (mem.destroyed) return;
  mem.destroyed = true;
  alive.delete(mem);
  pinsAtDestroy += mem.nrFollPinAcquired - mem.nrFollPinReleased;
  arenaUnmap(mem.region.id);
}

function checkPfn(mem: MemMap, fn: string, pfn: number): void {
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= mem.nrPages) {
    throw new BiopathError('EINVAL', `${fn}(pfn): ${pfn} is not a frame of this MemMap (0..${mem.nrPages - 1})`);
  }
}

/** DMA address of frame `pfn`: what io_uring SQEs carry. */
export function pageToIova(mem: MemMap, pfn: number): number {
  checkPfn(mem, 'pageToIova', pfn);
  return mem.region.iova + pfn * PAGE_SIZE;
}

/** The 4096 bytes of frame `pfn` (a view into arena memory). */
export function pageBytes(mem: MemMap, pfn: number): Uint8Array {
  checkPfn(mem, 'pageBytes', pfn);
  return mem.bytes.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
}
