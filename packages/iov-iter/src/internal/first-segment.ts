import { ITER_UBUF } from '../constants.ts';
import type { IovIter } from '../iov-iter.ts';
import { warnOnOnce } from './errors.ts';

/** Where {@link firstIovecSegment} leaves its answer (no allocation per call). */
export const firstSeg = { addr: 0, size: 0 };

/**
 * The user address extraction starts at and `maxsize` clamped to what remains in that one segment:
 * UBUF → `ubuf + iov_offset`; IOVEC → the first segment with bytes left (empty ones are skipped,
 * the iterator is not moved). False (after a WARN) if no segment has bytes although `count` > 0.
 * @kernel lib/iov_iter.c first_iovec_segment()
 */
export function firstIovecSegment(i: IovIter, maxsize: number): boolean {
  if (i.iter_type === ITER_UBUF) {
    firstSeg.addr = i.ubuf + i.iov_offset;
    firstSeg.size = maxsize;
    return true;
  }
  const iov = i.__iov!;
  let skip = i.iov_offset;
  for (let k = i.seg; k < i.seg + i.nr_segs; k++, skip = 0) {
    const len = iov[k]!.iov_len - skip;
    if (!len) continue;
    firstSeg.addr = iov[k]!.iov_base + skip;
    firstSeg.size = Math.min(maxsize, len);
    return true;
  }
  warnOnOnce(true, 'iov_iter: count > 0 but no iovec segment has bytes left');
  return false;
}
