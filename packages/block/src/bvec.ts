/**
 * bvec iteration: advancing a `bvec_iter` over a bvec array, and the current multi-page bvec.
 * @kernel include/linux/bvec.h bvec_iter_advance(), mp_bvec_iter_bvec()
 */
import { PAGE_SIZE } from '@biopath/mm';
import { BiopathError } from '@biopath/native';
import type { BioVec, BvecIter } from './bio-types.ts';

/**
 * Advance `iter` by `bytes` over `bv`. Returns false (and moves nothing) if `bytes` exceeds `bi_size`.
 * @kernel include/linux/bvec.h bvec_iter_advance()
 */
export function bvecIterAdvance(bv: readonly BioVec[], iter: BvecIter, bytes: number): boolean {
  if (bytes > iter.bi_size) return false;
  iter.bi_size -= bytes;
  let done = bytes + iter.bi_bvec_done;
  let idx = iter.bi_idx;
  while (done > 0) {
    const len = bv[idx].bv_len;
    if (done < len) break;
    done -= len;
    idx++;
  }
  iter.bi_idx = idx;
  iter.bi_bvec_done = done;
  return true;
}

/** Bytes of the current multi-page bvec. @kernel include/linux/bvec.h mp_bvec_iter_len() */
export function mpBvecIterLen(bv: readonly BioVec[], iter: BvecIter): number {
  const rest = bv[iter.bi_idx].bv_len - iter.bi_bvec_done;
  return rest < iter.bi_size ? rest : iter.bi_size;
}

/** Byte offset (from `bv_page`) of the current multi-page bvec. @kernel include/linux/bvec.h mp_bvec_iter_offset() */
export function mpBvecIterOffset(bv: readonly BioVec[], iter: BvecIter): number {
  return bv[iter.bi_idx].bv_offset + iter.bi_bvec_done;
}

/**
 * Fill `out` with the current multi-page bvec: page normalised so that `bv_offset` < PAGE_SIZE.
 * @kernel include/linux/bvec.h mp_bvec_iter_bvec()
 */
export function mpBvecIterBvec(bv: readonly BioVec[], iter: BvecIter, out: BioVec): BioVec {
  const cur = bv[iter.bi_idx];
  const off = cur.bv_offset + iter.bi_bvec_done;
  out.bv_page = cur.bv_page + (off >>> 12);
  out.bv_offset = off & 4095;
  out.bv_len = mpBvecIterLen(bv, iter);
  return out;
}

/**
 * Fill `out` with the current single-page segment (clamped to the page end).
 * @kernel include/linux/bvec.h bvec_iter_bvec()
 */
export function bvecIterBvec(bv: readonly BioVec[], iter: BvecIter, out: BioVec): BioVec {
  mpBvecIterBvec(bv, iter, out);
  const room = PAGE_SIZE - out.bv_offset;
  if (out.bv_len > room) out.bv_len = room;
  return out;
}

/** Physical address of a bvec: pfn × PAGE_SIZE + offset. @kernel include/linux/bvec.h bvec_phys() */
export function bvecPhys(bv: BioVec): number {
  return bv.bv_page * PAGE_SIZE + bv.bv_offset;
}

/** A zeroed bvec (for scratch use). */
export function createBioVec(): BioVec {
  return { bv_page: 0, bv_len: 0, bv_offset: 0 };
}

/** Validate a user-supplied bvec against a frame count. */
export function checkBioVec(fn: string, bv: BioVec, nrPages: number): void {
  if (!Number.isInteger(bv.bv_page) || bv.bv_page < 0 || bv.bv_page >= nrPages) {
    throw new BiopathError('EINVAL', `${fn}(bv_page): ${bv.bv_page} is not a frame`);
  }
}
