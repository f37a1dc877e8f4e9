/**
 * How many pages the remaining data spans, capped at `maxpages`.
 *
 * @kernel lib/iov_iter.c iov_iter_npages()
 */
import { PAGE_SIZE } from '@biopath/mm';
import { ITER_BVEC, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_PIPE, ITER_UBUF, ITER_XARRAY } from './constants.ts';
import type { IovIter } from './iov-iter.ts';
import { pipeNpages } from './pipe.ts';

function spanPages(offs: number, len: number): number {
  return Math.ceil((offs + len) / PAGE_SIZE);
}

/** IOVEC and KVEC: pages counted per segment. @kernel lib/iov_iter.c iov_npages() */
function iovNpages(i: IovIter, maxpages: number): number {
  const segs = i.iter_type === ITER_IOVEC ? i.__iov! : i.kvec!;
  let skip = i.iov_offset;
  let size = i.count;
  let npages = 0;
  for (let k = i.seg; size && k < i.seg + i.nr_segs; k++, skip = 0) {
    const len = Math.min(segs[k]!.iov_len - skip, size);
    if (!len) continue;
    size -= len;
    npages += spanPages((segs[k]!.iov_base + skip) % PAGE_SIZE, len);
    if (npages > maxpages) return maxpages;
  }
  return npages;
}

/** @kernel lib/iov_iter.c bvec_npages() */
function bvecNpages(i: IovIter, maxpages: number): number {
  const bvec = i.bvec!;
  let skip = i.iov_offset;
  let size = i.count;
  let npages = 0;
  for (let k = i.seg; size && k < i.seg + i.nr_segs; k++, skip = 0) {
    const len = Math.min(bvec[k]!.bv_len - skip, size);
    size -= len;
    npages += spanPages((bvec[k]!.bv_offset + skip) % PAGE_SIZE, len);
    if (npages > maxpages) return maxpages;
  }
  return npages;
}

/** Pages spanned by the remaining `count` bytes, at most `maxpages`. @kernel iov_iter_npages() */
export function iovIterNpages(i: IovIter, maxpages: number): number {
  if (!i.count) return 0;
  switch (i.iter_type) {
    case ITER_UBUF:
      return Math.min(spanPages((i.ubuf + i.iov_offset) % PAGE_SIZE, i.count), maxpages);
    case ITER_IOVEC:
    case ITER_KVEC:
      return iovNpages(i, maxpages);
    case ITER_BVEC:
      return bvecNpages(i, maxpages);
    case ITER_FOLIOQ:
      return Math.min(spanPages(i.iov_offset % PAGE_SIZE, i.count), maxpages);
    case ITER_XARRAY:
      return Math.min(spanPages((i.xarray_start + i.iov_offset) % PAGE_SIZE, i.count), maxpages);
    case ITER_PIPE:
      return Math.min(pipeNpages(i), maxpages);
    default:
      return 0;
  }
}
