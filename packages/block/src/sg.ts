/**
 * The DMA view of a request: physically merged segments honouring the queue limits.
 * @kernel block/blk-merge.c __blk_rq_map_sg(); include/linux/scatterlist.h struct sg_table
 */
import { PAGE_SIZE } from '@biopath/mm';
import { warnOnOnce } from '@biopath/native';
import type { BioVec } from './bio-types.ts';
import type { Request } from './blk-mq-driver.ts';
import { createBioVec, mpBvecIterBvec } from './bvec.ts';
import { BvecIter } from './bio-types.ts';
import { biovecPhysMergeable, getMaxSegmentSize } from './internal/seg-limits.ts';

/**
 * A reusable scatter-gather table, struct-of-arrays. Entry `i` is `len[i]` bytes at DMA address
 * `iova[i]` (= mm `pageToIova(mem, pfn[i]) + offset[i]`, ready for an io_uring SQE).
 */
export class SgTable {
  nents = 0;
  readonly iova: Float64Array;
  readonly len: Uint32Array;
  readonly pfn: Int32Array;
  readonly offset: Uint32Array;
  readonly maxSegments: number;

  constructor(maxSegments: number) {
    this.maxSegments = maxSegments;
    this.iova = new Float64Array(maxSegments);
    this.len = new Uint32Array(maxSegments);
    this.pfn = new Int32Array(maxSegments);
    this.offset = new Uint32Array(maxSegments);
  }
}

const scratchIter = new BvecIter();
const scratchBv: BioVec = createBioVec();

/** Append `len` bytes at `phys` to `sg`, merging into the last entry when the limits allow. */
function sgAppend(rq: Request, sg: SgTable, phys: number, len: number): boolean {
  const lim = rq.q.limits;
  const n = sg.nents;
  if (n > 0) {
    const lastPhys = sg.pfn[n - 1] * PAGE_SIZE + sg.offset[n - 1];
    const lastLen = sg.len[n - 1];
    if (lastLen + len <= lim.max_segment_size && biovecPhysMergeable(lim, lastPhys, lastLen, phys, len)) {
      sg.len[n - 1] = lastLen + len;
      return true;
    }
  }
  if (n >= sg.maxSegments) return false;
  const pfn = Math.floor(phys / PAGE_SIZE);
  sg.pfn[n] = pfn;
  sg.offset[n] = phys - pfn * PAGE_SIZE;
  sg.iova[n] = rq.q.mem.region.iova + phys;
  sg.len[n] = len;
  sg.nents = n + 1;
  return true;
}

/** Map one multi-page bvec, splitting it at segment limits. */
function mapBvec(rq: Request, sg: SgTable, bv: BioVec): boolean {
  const lim = rq.q.limits;
  let phys = bv.bv_page * PAGE_SIZE + bv.bv_offset;
  let left = bv.bv_len;
  if (bv.bv_offset + left <= PAGE_SIZE && sg.nents > 0) return sgAppend(rq, sg, phys, left);
  while (left > 0) {
    const seg = getMaxSegmentSize(lim, phys, left);
    if (!sgAppend(rq, sg, phys, seg)) return false;
    phys += seg;
    left -= seg;
  }
  return true;
}

/**
 * Fill `sg` with the request's data segments (from every bio's `bi_iter`), merging physically
 * contiguous ranges within `max_segment_size` and `seg_boundary_mask`. Returns the segment count,
 * or -EINVAL (with a WARN) if `sg` has too few entries.
 * @kernel block/blk-merge.c __blk_rq_map_sg()
 */
export function blkRqMapSg(rq: Request, sg: SgTable): number {
  sg.nents = 0;
  for (let bio = rq.bio; bio !== null; bio = bio.bi_next) {
    const it = scratchIter;
    it.bi_sector = 0;
    it.bi_size = bio.bi_iter.bi_size;
    it.bi_idx = bio.bi_iter.bi_idx;
    it.bi_bvec_done = bio.bi_iter.bi_bvec_done;
    const vecs = bio.bi_io_vec;
    while (it.bi_size > 0) {
      mpBvecIterBvec(vecs, it, scratchBv);
      if (!mapBvec(rq, sg, scratchBv)) {
        warnOnOnce(true, `blkRqMapSg: more than ${sg.maxSegments} segments`);
        return -22;
      }
      const len = scratchBv.bv_len;
      it.bi_size -= len;
      it.bi_bvec_done += len;
      if (it.bi_bvec_done === vecs[it.bi_idx].bv_len) {
        it.bi_idx++;
        it.bi_bvec_done = 0;
      }
    }
  }
  return sg.nents;
}
