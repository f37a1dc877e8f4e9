/**
 * Physical Region Page entries and PRP lists from a request's DMA segments (NVMe base spec §4.3.1,
 * "Physical Region Page Entry and List").
 *
 * The rules: PRP1 is the first segment's address, with any offset but dword aligned (bits 1:0
 * clear). If the data ends inside that first memory page, PRP2 is unused (0). If it ends inside the
 * next page, PRP2 is that page's address. Otherwise PRP2 points to a PRP list: one page-aligned
 * entry per further memory page; when a list page fills and more entries remain, its last slot
 * points to the next list page instead. So only the first segment may start inside a page and only
 * the last may end inside one: everything else must meet at page boundaries (the block layer's
 * `virt_boundary_mask` of NVME_CTRL_PAGE_SIZE - 1 guarantees it for bios it builds).
 *
 * This is the spec-level model. NVMe passthrough on Linux takes a user buffer or iovec array and
 * the kernel builds its own PRPs, so the `nvme` driver uses {@link nvmePrpBreak} to decide when a
 * request must be split or bounced, and {@link nvmePciSetupPrps} only when asked to record what a
 * PCIe controller would be given (`recordDptr`). Segments are arena IOVAs; region bases are
 * page-aligned, so an IOVA's page offset is the memory's page offset.
 * @kernel drivers/nvme/host/pci.c nvme_pci_setup_prps()
 */
import { NVME_CTRL_PAGE_SIZE } from './nvme-defs.ts';
import { NVME_CDW_PRP1, NVME_CDW_PRP2, nvmePut64, nvmeSetFlags, nvmeFlags } from './nvme-command.ts';
import type { NvmeCommand } from './nvme-command.ts';

const P = NVME_CTRL_PAGE_SIZE;
/** PRP entries per list page. */
export const NVME_PRPS_PER_PAGE = P >> 3;

/** Errors of {@link nvmePciSetupPrps} (negative, never thrown: this runs per IO). */
export const PRP_ERR_ALIGN = -1;
export const PRP_ERR_GAP = -2;
export const PRP_ERR_LIST_FULL = -3;
export const PRP_ERR_EMPTY = -4;

/**
 * Driver-owned PRP list pages in arena memory: page k is at IOVA `iova + k * 4096` and at dwords
 * `w + k * 1024` of `u32`.
 */
export interface PrpListArea {
  iova: number;
  u32: Uint32Array;
  w: number;
  nrPages: number;
}

/** What {@link nvmePciSetupPrps} produced (a reusable, fixed-shape object). */
export interface PrpResult {
  prp1: number;
  prp2: number;
  /** PRP entries describing data (PRP1 and PRP2-as-data included, list pointers excluded). */
  nprps: number;
  /** List pages used. */
  nlists: number;
  /** Segment that broke a rule, or -1. */
  badSeg: number;
}

export function prpResultAlloc(): PrpResult {
  return { prp1: 0, prp2: 0, nprps: 0, nlists: 0, badSeg: -1 };
}

/**
 * First segment after `from` that cannot continue the PRP run started at `from` (the previous one
 * does not end on a page boundary, or it does not start on one), or `nents` when the run reaches
 * the end. No allocation, no writes: the per-IO check.
 */
export function nvmePrpBreak(iova: Float64Array, len: Uint32Array, from: number, nents: number): number {
  for (let i = from + 1; i < nents; i++) {
    if ((iova[i - 1]! + len[i - 1]!) % P !== 0 || iova[i]! % P !== 0) return i;
  }
  return nents;
}

/** Memory pages the PRPs of segments [0, nents) touch = data PRP entries needed. */
export function nvmePrpCount(iova: Float64Array, len: Uint32Array, nents: number): number {
  let n = 0;
  for (let i = 0; i < nents; i++) {
    const off = iova[i]! % P;
    n += Math.ceil((off + len[i]!) / P);
  }
  return n;
}

function putEntry(a: PrpListArea, page: number, slot: number, v: number): void {
  nvmePut64(a.u32, a.w + page * (P >> 2) + slot * 2, v);
}

function getEntry(a: PrpListArea, page: number, slot: number): number {
  const w = a.w + page * (P >> 2) + slot * 2;
  return a.u32[w + 1]! * 4294967296 + a.u32[w]!;
}

/**
 * Fill PRP1/PRP2 of `cmd` (PSDT 00b) and, when needed, PRP list pages in `area` for segments
 * [0, nents). Returns 0, or PRP_ERR_ALIGN (PRP1 not dword aligned), PRP_ERR_GAP (`res.badSeg`
 * cannot follow its predecessor), PRP_ERR_LIST_FULL (`area` has too few pages), PRP_ERR_EMPTY.
 * On error nothing in `cmd` changed.
 * @kernel drivers/nvme/host/pci.c nvme_pci_setup_prps()
 */
export function nvmePciSetupPrps(
  cmd: NvmeCommand, iova: Float64Array, len: Uint32Array, nents: number, area: PrpListArea | null, res: PrpResult,
): number {
  res.badSeg = -1;
  res.nlists = 0;
  if (nents <= 0) return PRP_ERR_EMPTY;
  if (iova[0]! % 4 !== 0) {
    res.badSeg = 0;
    return PRP_ERR_ALIGN;
  }
  const brk = nvmePrpBreak(iova, len, 0, nents);
  if (brk < nents) {
    res.badSeg = brk;
    return PRP_ERR_GAP;
  }
  const nprps = nvmePrpCount(iova, len, nents);
  const nlists = nprps <= 2 ? 0 : nvmePrpListPages(nprps - 1);
  if (nlists > (area?.nrPages ?? 0)) return PRP_ERR_LIST_FULL;
  res.prp1 = iova[0]!;
  res.nprps = nprps;
  res.nlists = nlists;
  if (nprps === 1) res.prp2 = 0;
  else if (nprps === 2) res.prp2 = nextPageAfterFirst(iova, len);
  else res.prp2 = fillPrpList(iova, len, nents, area!);
  nvmeSetFlags(cmd, nvmeFlags(cmd) & ~0xc0);
  nvmePut64(cmd, NVME_CDW_PRP1, res.prp1);
  nvmePut64(cmd, NVME_CDW_PRP2, res.prp2);
  return 0;
}

/** List pages needed for `entries` list entries (each full page but the last gives one slot to the chain pointer). */
export function nvmePrpListPages(entries: number): number {
  if (entries <= NVME_PRPS_PER_PAGE) return 1;
  return 1 + Math.ceil((entries - NVME_PRPS_PER_PAGE) / (NVME_PRPS_PER_PAGE - 1));
}

/** Address of the second memory page (start of PRP2 when exactly two entries are needed). */
function nextPageAfterFirst(iova: Float64Array, len: Uint32Array): number {
  const first = iova[0]!;
  const toBoundary = P - (first % P);
  return len[0]! > toBoundary ? first + toBoundary : iova[1]!;
}

/** Entries 2..n into list pages, chaining full pages; returns the first list page's IOVA. */
function fillPrpList(iova: Float64Array, len: Uint32Array, nents: number, area: PrpListArea): number {
  let page = 0;
  let slot = 0;
  let seg = 0;
  let addr = iova[0]! - (iova[0]! % P) + P; // first page after PRP1's page
  let segEnd = iova[0]! + len[0]!;
  if (addr >= segEnd && nents > 1) {
    seg = 1;
    addr = iova[1]!;
    segEnd = addr + len[1]!;
  }
  for (;;) {
    if (slot === NVME_PRPS_PER_PAGE) {
      putEntry(area, page + 1, 0, getEntry(area, page, slot - 1));
      putEntry(area, page, slot - 1, area.iova + (page + 1) * P);
      page++;
      slot = 1;
    }
    putEntry(area, page, slot++, addr);
    addr += P;
    if (addr < segEnd) continue;
    if (++seg >= nents) break;
    addr = iova[seg]!;
    segEnd = addr + len[seg]!;
  }
  return area.iova;
}

/** Read back entry `slot` of list page `page` (tests and tools). */
export function nvmePrpListEntry(area: PrpListArea, page: number, slot: number): number {
  return getEntry(area, page, slot);
}

/** True when byte ranges [iova, iova+len) of every segment lie in whole pages except at the ends. */
export function nvmePrpExpressible(iova: Float64Array, len: Uint32Array, nents: number): boolean {
  return nents > 0 && iova[0]! % 4 === 0 && nvmePrpBreak(iova, len, 0, nents) === nents;
}
