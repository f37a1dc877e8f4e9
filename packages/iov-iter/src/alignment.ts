/**
 * Alignment queries callers use to choose between direct and bounce paths. Masks are 32-bit; the
 * addresses they test may be wider, so OR-ing is done on the full value.
 *
 * @kernel lib/iov_iter.c iov_iter_alignment(), iov_iter_is_aligned(), iov_iter_gap_alignment()
 */
import { warnOnOnce } from './internal/errors.ts';
import { PAGE_SIZE } from '@biopath/mm';
import { ITER_BVEC, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_PIPE, ITER_UBUF, ITER_XARRAY } from './constants.ts';
import type { IovIter, Iovec } from './iov-iter.ts';
import { hits, or53 } from './internal/bits.ts';

function segsOf(i: IovIter): readonly Iovec[] {
  return i.iter_type === ITER_IOVEC ? i.__iov! : i.kvec!;
}

/** @kernel lib/iov_iter.c iov_iter_alignment_iovec() */
function alignmentIovec(i: IovIter): number {
  const segs = segsOf(i);
  const end = i.seg + i.nr_segs;
  let res = 0;
  let size = i.count;
  let skip = i.iov_offset;
  for (let k = i.seg; k < end; k++, skip = 0) {
    let len = segs[k]!.iov_len - skip;
    if (len) {
      res = or53(res, segs[k]!.iov_base + skip);
      if (len > size) len = size;
      res = or53(res, len);
      size -= len;
    }
    if (!size) break;
  }
  return res;
}

/** @kernel lib/iov_iter.c iov_iter_alignment_bvec() */
function alignmentBvec(i: IovIter): number {
  const bvec = i.bvec!;
  const end = i.seg + i.nr_segs;
  let res = 0;
  let size = i.count;
  let skip = i.iov_offset;
  for (let k = i.seg; k < end; k++, skip = 0) {
    let len = bvec[k]!.bv_len - skip;
    res = or53(res, bvec[k]!.bv_offset + skip);
    if (len > size) len = size;
    res = or53(res, len);
    size -= len;
    if (!size) break;
  }
  return res;
}

/**
 * OR of every remaining segment's start address and (clamped) length; test it against a mask.
 * @kernel lib/iov_iter.c iov_iter_alignment()
 */
export function iovIterAlignment(i: IovIter): number {
  switch (i.iter_type) {
    case ITER_UBUF:
      return i.count ? or53(i.ubuf + i.iov_offset, i.count) : 0;
    case ITER_IOVEC:
    case ITER_KVEC:
      return alignmentIovec(i);
    case ITER_BVEC:
      return alignmentBvec(i);
    case ITER_FOLIOQ:
      return or53(i.iov_offset, i.count);
    case ITER_XARRAY:
      return or53(i.xarray_start + i.iov_offset, i.count);
    case ITER_PIPE:
      return i.count && i.iov_offset > 0 && i.iov_offset < PAGE_SIZE ? or53(i.count, i.iov_offset) : i.count;
    default:
      return 0;
  }
}

/** @kernel lib/iov_iter.c iov_iter_aligned_iovec() */
function alignedIovec(i: IovIter, addrMask: number, lenMask: number): boolean {
  const segs = segsOf(i);
  const end = i.seg + i.nr_segs;
  let size = i.count;
  let skip = i.iov_offset;
  for (let k = i.seg; k < end; k++, skip = 0) {
    const len = Math.min(segs[k]!.iov_len - skip, size);
    if (hits(len, lenMask) || hits(segs[k]!.iov_base + skip, addrMask)) return false;
    size -= len;
    if (!size) break;
  }
  return true;
}

/** @kernel lib/iov_iter.c iov_iter_aligned_bvec() */
function alignedBvec(i: IovIter, addrMask: number, lenMask: number): boolean {
  const bvec = i.bvec!;
  const end = i.seg + i.nr_segs;
  let size = i.count;
  let skip = i.iov_offset;
  for (let k = i.seg; k < end; k++, skip = 0) {
    const len = Math.min(bvec[k]!.bv_len, size);
    if (hits(len, lenMask) || hits(bvec[k]!.bv_offset + skip, addrMask)) return false;
    size -= len;
    if (!size) break;
  }
  return true;
}

/**
 * False if any remaining segment's start hits `addrMask` or its (clamped) length hits `lenMask`.
 * @kernel lib/iov_iter.c iov_iter_is_aligned()
 */
export function iovIterIsAligned(i: IovIter, addrMask: number, lenMask: number): boolean {
  switch (i.iter_type) {
    case ITER_UBUF:
      return !hits(i.count, lenMask) && !hits(i.ubuf + i.iov_offset, addrMask);
    case ITER_IOVEC:
    case ITER_KVEC:
      return alignedIovec(i, addrMask, lenMask);
    case ITER_BVEC:
      return alignedBvec(i, addrMask, lenMask);
    case ITER_XARRAY:
      return !hits(i.count, lenMask) && !hits(i.xarray_start + i.iov_offset, addrMask);
    case ITER_FOLIOQ:
      return !hits(i.count, lenMask) && !hits(i.iov_offset, addrMask);
    default:
      return true;
  }
}

/**
 * For IOVEC: OR over each non-empty segment after the first of (its start | the previous one's end),
 * to test against a virt_boundary mask. UBUF → 0; other types WARN and return ~0.
 * Like upstream it walks whole segments from the current one, ignoring `iov_offset`.
 * @kernel lib/iov_iter.c iov_iter_gap_alignment()
 */
export function iovIterGapAlignment(i: IovIter): number {
  if (i.iter_type === ITER_UBUF) return 0;
  if (warnOnOnce(i.iter_type !== ITER_IOVEC, 'iovIterGapAlignment: not an ITER_IOVEC')) return 0xffffffff;
  const iov = i.__iov!;
  let res = 0;
  let v = 0;
  let size = i.count;
  for (let k = i.seg; k < i.seg + i.nr_segs; k++) {
    const { iov_base: base, iov_len: len } = iov[k]!;
    if (!len) continue;
    if (v) res = or53(res, or53(base, v));
    v = base + len;
    if (size <= len) break;
    size -= len;
  }
  return res;
}
