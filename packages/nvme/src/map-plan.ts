/**
 * How a request's DMA segments become NVMe commands: one command when the segments are
 * expressible as PRPs (or as an SGL, when the controller takes SGLs) within MDTS and the segment
 * limit; otherwise split into several commands at points that keep each one expressible and a
 * whole number of logical blocks; and when no such split exists, bounce (copy through a
 * contiguous driver buffer). A request is never sent in a form the controller would misread.
 *
 * The block layer normally prevents all of this (the nvme driver's limits carry MDTS as
 * `max_hw_sectors` and the PRP rule as `virt_boundary_mask`), so the split and bounce paths are
 * the driver's defence against requests that did not go through those limits.
 * @kernel drivers/nvme/host/pci.c nvme_map_data(), nvme_pci_use_sgls(); block/blk-merge.c bio_split_rw()
 */
import { NVME_CTRL_PAGE_SIZE } from './nvme-defs.ts';
import { nvmePrpBreak } from './prp.ts';
import { nvmeSglExpressible } from './sgl.ts';

const P = NVME_CTRL_PAGE_SIZE;

/** What the controller accepts per command. */
export interface NvmeMapLimits {
  /** Logical block size in bytes. */
  lbaSize: number;
  /** Bytes per command (MDTS, and NLB's 16 bits), a multiple of lbaSize. */
  maxBytes: number;
  /** Memory segments per command the host will map (its queue's max_segments). */
  maxSegs: number;
  /** SGL support of the controller. */
  sgl: 'none' | 'byte' | 'dword';
}

/**
 * A plan: `nchunks` commands; chunk k covers `bytes[k]` bytes starting `off[k]` bytes into segment
 * `seg[k]`, spread over `nsegs[k]` segment pieces. With `bounce`, chunks index the bounce buffer
 * (`seg` = -1, `off` = byte offset in it). Fixed shape; one per tag, reused.
 */
export class NvmeMapPlan {
  nchunks = 0;
  bounce = false;
  /** The single command (if any) needs an SGL rather than PRPs. */
  sgl = false;
  readonly maxChunks: number;
  readonly seg: Int32Array;
  readonly off: Float64Array;
  readonly bytes: Float64Array;
  readonly nsegs: Int32Array;

  constructor(maxChunks: number) {
    this.maxChunks = maxChunks;
    this.seg = new Int32Array(maxChunks);
    this.off = new Float64Array(maxChunks);
    this.bytes = new Float64Array(maxChunks);
    this.nsegs = new Int32Array(maxChunks);
  }
}

function push(plan: NvmeMapPlan, seg: number, off: number, bytes: number, nsegs: number): boolean {
  const k = plan.nchunks;
  if (k >= plan.maxChunks) return false;
  plan.seg[k] = seg;
  plan.off[k] = off;
  plan.bytes[k] = bytes;
  plan.nsegs[k] = nsegs;
  plan.nchunks = k + 1;
  return true;
}

/** Plan a bounce: chunks of at most maxBytes over a contiguous buffer of `total` bytes. */
function planBounce(plan: NvmeMapPlan, total: number, lim: NvmeMapLimits): number {
  plan.nchunks = 0;
  plan.bounce = true;
  plan.sgl = false;
  for (let off = 0; off < total; off += lim.maxBytes) {
    if (!push(plan, -1, off, Math.min(lim.maxBytes, total - off), 1)) return -1;
  }
  return plan.nchunks;
}

function totalBytes(len: Uint32Array, nents: number): number {
  let t = 0;
  for (let i = 0; i < nents; i++) t += len[i]!;
  return t;
}

/**
 * Fill `plan` for segments [0, nents). Returns the number of commands, or -1 when even a bounce
 * cannot be planned in `plan.maxChunks` chunks (the request is larger than the driver accepts).
 */
export function nvmeMapPlan(iova: Float64Array, len: Uint32Array, nents: number, lim: NvmeMapLimits, plan: NvmeMapPlan): number {
  plan.nchunks = 0;
  plan.bounce = false;
  plan.sgl = false;
  const total = totalBytes(len, nents);
  if (nents <= 0 || total <= 0 || iova[0]! % 4 !== 0) return planBounce(plan, total, lim);
  if (total <= lim.maxBytes && nents <= lim.maxSegs) {
    if (nvmePrpBreak(iova, len, 0, nents) === nents) return push(plan, 0, 0, total, nents) ? 1 : -1;
    if (lim.sgl !== 'none' && nvmeSglExpressible(iova, len, nents, lim.sgl === 'dword')) {
      plan.sgl = true;
      return push(plan, 0, 0, total, nents) ? 1 : -1;
    }
  }
  return nvmeSplitPlan(iova, len, nents, lim, plan) ? plan.nchunks : planBounce(plan, total, lim);
}

/**
 * Greedy split along PRP runs: a chunk ends where the next piece cannot follow (a gap in the PRP
 * sense), where it reaches maxBytes (rounded down to whole blocks) or maxSegs. Returns false when
 * a forced cut would leave a partial logical block, or the plan is out of chunks.
 * @kernel block/blk-merge.c bio_split_rw() (virt boundary gaps and max sectors)
 */
function nvmeSplitPlan(iova: Float64Array, len: Uint32Array, nents: number, lim: NvmeMapLimits, plan: NvmeMapPlan): boolean {
  let cSeg = 0, cOff = 0, cBytes = 0, cN = 0;
  let seg = 0, off = 0;
  let prevEnd = 0;
  while (seg < nents) {
    const start = iova[seg]! + off;
    const gap = cN > 0 && (prevEnd % P !== 0 || start % P !== 0);
    if (gap || cN === lim.maxSegs) {
      if (cBytes % lim.lbaSize !== 0 || !push(plan, cSeg, cOff, cBytes, cN)) return false;
      cSeg = seg; cOff = off; cBytes = 0; cN = 0;
    }
    if (cN === 0 && start % 4 !== 0) return false;
    const segLeft = len[seg]! - off;
    let take = Math.min(segLeft, lim.maxBytes - cBytes);
    if (take < segLeft) take = Math.floor((cBytes + take) / lim.lbaSize) * lim.lbaSize - cBytes;
    if (take <= 0) return false;
    cBytes += take;
    cN++;
    off += take;
    prevEnd = start + take;
    if (off === len[seg]) {
      seg++;
      off = 0;
    }
    if (cBytes === lim.maxBytes && seg < nents) {
      if (!push(plan, cSeg, cOff, cBytes, cN)) return false;
      cSeg = seg; cOff = off; cBytes = 0; cN = 0;
    }
  }
  return cBytes % lim.lbaSize === 0 && push(plan, cSeg, cOff, cBytes, cN);
}
