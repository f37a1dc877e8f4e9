/**
 * Scatter Gather Lists for NVMe data (NVMe base spec §4.3.2, "Scatter Gather List (SGL)").
 *
 * Each 16-byte descriptor is address (u64), length (u32), three reserved bytes and the SGL
 * identifier (type << 4 | subtype). A command with one segment carries a Data Block descriptor
 * in SGL1 (DPTR); with more, SGL1 is a Last Segment descriptor (or a Segment descriptor when the
 * list spans several pages) pointing at a list of Data Block descriptors. The command's PSDT is
 * 01b (NVME_CMD_SGL_METABUF). Unlike PRPs, any segment may start and end anywhere, so an SGL can
 * carry a request a PRP list cannot; SGLs are optional (Identify Controller SGLS bits 1:0), and
 * 10b there requires dword-aligned addresses and lengths.
 *
 * Like the PRP builder this is the spec-level model (passthrough hands the kernel a buffer, and it
 * picks PRP or SGL); the `nvme` driver uses {@link nvmeSglExpressible} in its mapping plan.
 * @kernel drivers/nvme/host/pci.c nvme_pci_setup_sgls(), nvme_pci_sgl_set_data(), nvme_pci_sgl_set_seg()
 */
import {
  NVME_CMD_SGL_METABUF, NVME_CTRL_PAGE_SIZE, NVME_SGL_DESC_SIZE, NVME_SGL_FMT_DATA_DESC, NVME_SGL_FMT_LAST_SEG_DESC,
  NVME_SGL_FMT_SEG_DESC,
} from './nvme-defs.ts';
import { NVME_CDW_DPTR, nvmeFlags, nvmePut64, nvmeSetFlags } from './nvme-command.ts';
import type { NvmeCommand } from './nvme-command.ts';
import type { PrpListArea } from './prp.ts';

/** Descriptors per list page. */
export const NVME_SGES_PER_PAGE = NVME_CTRL_PAGE_SIZE / NVME_SGL_DESC_SIZE;

export const SGL_ERR_ALIGN = -1;
export const SGL_ERR_LIST_FULL = -3;
export const SGL_ERR_EMPTY = -4;

/** SGL identifier byte (bits 31:24 of the descriptor's last dword) for `type` with subtype 0. */
export function nvmeSglId(type: number): number {
  return (type & 0xf) << 4;
}

/** List pages needed for `n` data descriptors (a full page but the last gives one slot to the chain). */
export function nvmeSglListPages(n: number): number {
  if (n <= NVME_SGES_PER_PAGE) return 1;
  return 1 + Math.ceil((n - NVME_SGES_PER_PAGE) / (NVME_SGES_PER_PAGE - 1));
}

/** Whether segments [0, nents) satisfy the controller's SGL alignment rule (`dwordAligned`: SGLS = 10b). */
export function nvmeSglExpressible(iova: Float64Array, len: Uint32Array, nents: number, dwordAligned: boolean): boolean {
  if (nents <= 0) return false;
  if (!dwordAligned) return true;
  for (let i = 0; i < nents; i++) if (iova[i]! % 4 !== 0 || len[i]! % 4 !== 0) return false;
  return true;
}

function descWord(area: PrpListArea, page: number, slot: number): number {
  return area.w + page * (NVME_CTRL_PAGE_SIZE >> 2) + slot * 4;
}

/** Write one 16-byte descriptor at dword `w` of `u32`. */
export function nvmeSglDescPut(u32: Uint32Array, w: number, addr: number, length: number, type: number): void {
  nvmePut64(u32, w, addr);
  u32[w + 2] = length >>> 0;
  u32[w + 3] = (nvmeSglId(type) << 24) >>> 0;
}

/**
 * Fill SGL1 of `cmd` (and list pages in `area` when nents > 1) for segments [0, nents), set PSDT
 * to 01b. Returns the number of list pages used (0 for a single Data Block descriptor), or
 * SGL_ERR_ALIGN / SGL_ERR_LIST_FULL / SGL_ERR_EMPTY; on error `cmd` is unchanged.
 * @kernel drivers/nvme/host/pci.c nvme_pci_setup_sgls()
 */
export function nvmePciSetupSgls(
  cmd: NvmeCommand, iova: Float64Array, len: Uint32Array, nents: number, area: PrpListArea | null, dwordAligned = false,
): number {
  if (nents <= 0) return SGL_ERR_EMPTY;
  if (!nvmeSglExpressible(iova, len, nents, dwordAligned)) return SGL_ERR_ALIGN;
  if (nents === 1) {
    nvmeSetFlags(cmd, (nvmeFlags(cmd) & ~0xc0) | NVME_CMD_SGL_METABUF);
    nvmeSglDescPut(cmd, NVME_CDW_DPTR, iova[0]!, len[0]!, NVME_SGL_FMT_DATA_DESC);
    return 0;
  }
  const pages = nvmeSglListPages(nents);
  if (!area || pages > area.nrPages) return SGL_ERR_LIST_FULL;
  let seg = 0;
  for (let page = 0; page < pages; page++) {
    const last = page === pages - 1;
    const room = last ? NVME_SGES_PER_PAGE : NVME_SGES_PER_PAGE - 1;
    const n = Math.min(room, nents - seg);
    for (let s = 0; s < n; s++, seg++) nvmeSglDescPut(area.u32, descWord(area, page, s), iova[seg]!, len[seg]!, NVME_SGL_FMT_DATA_DESC);
    if (!last) {
      const nextCount = page + 1 === pages - 1 ? nents - seg : NVME_SGES_PER_PAGE;
      const type = page + 1 === pages - 1 ? NVME_SGL_FMT_LAST_SEG_DESC : NVME_SGL_FMT_SEG_DESC;
      nvmeSglDescPut(area.u32, descWord(area, page, n), area.iova + (page + 1) * NVME_CTRL_PAGE_SIZE, nextCount * NVME_SGL_DESC_SIZE, type);
    }
  }
  const firstCount = pages === 1 ? nents : NVME_SGES_PER_PAGE;
  const firstType = pages === 1 ? NVME_SGL_FMT_LAST_SEG_DESC : NVME_SGL_FMT_SEG_DESC;
  nvmeSetFlags(cmd, (nvmeFlags(cmd) & ~0xc0) | NVME_CMD_SGL_METABUF);
  nvmeSglDescPut(cmd, NVME_CDW_DPTR, area.iova, firstCount * NVME_SGL_DESC_SIZE, firstType);
  return pages;
}
