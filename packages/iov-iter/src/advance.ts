/**
 * Move an iterator forward. Consuming a segment exactly to its end moves to the next segment at offset 0.
 *
 * @kernel lib/iov_iter.c iov_iter_advance()
 */
import { BiopathError, warnOnOnce } from './internal/errors.ts';
import {
  ITER_BVEC, ITER_DISCARD, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_PIPE, ITER_UBUF, ITER_XARRAY,
} from './constants.ts';
import { folioqFolioSize, folioqNrSlots } from './folio-queue.ts';
import type { IovIter, Iovec } from './iov-iter.ts';
import { pipeAdvance } from './pipe.ts';

/** IOVEC and KVEC share a layout. @kernel lib/iov_iter.c iov_iter_iovec_advance() */
function iovecAdvance(i: IovIter, segs: readonly Iovec[], size: number): void {
  if (!i.count) return;
  i.count -= size;
  size += i.iov_offset;
  const end = i.seg + i.nr_segs;
  let k = i.seg;
  for (; k < end; k++) {
    const len = segs[k]!.iov_len;
    if (size < len) break;
    size -= len;
  }
  i.iov_offset = size;
  i.nr_segs -= k - i.seg;
  i.seg = k;
}

/** @kernel lib/iov_iter.c iov_iter_bvec_advance() */
function bvecAdvance(i: IovIter, size: number): void {
  if (!i.count) return;
  i.count -= size;
  size += i.iov_offset;
  const bvec = i.bvec!;
  const end = i.seg + i.nr_segs;
  let k = i.seg;
  for (; k < end; k++) {
    const len = bvec[k]!.bv_len;
    if (size < len) break;
    size -= len;
  }
  i.iov_offset = size;
  i.nr_segs -= k - i.seg;
  i.seg = k;
}

/** @kernel lib/iov_iter.c iov_iter_folioq_advance() */
function folioqAdvance(i: IovIter, size: number): void {
  let folioq = i.folioq!;
  let slot = i.folioq_slot;
  if (!i.count) return;
  i.count -= size;
  if (slot >= folioqNrSlots(folioq)) {
    if (warnOnOnce(folioq.next === null, 'iovIterAdvance: ITER_FOLIOQ past the last segment')) return;
    folioq = folioq.next!;
    slot = 0;
  }
  size += i.iov_offset;
  do {
    const fsize = folioqFolioSize(folioq, slot);
    if (size < fsize) break;
    size -= fsize;
    slot++;
    if (slot >= folioqNrSlots(folioq)) {
      if (folioq.next === null) break;
      folioq = folioq.next;
      slot = 0;
    }
  } while (size);
  i.iov_offset = size;
  i.folioq_slot = slot;
  i.folioq = folioq;
}

/**
 * Consume `size` bytes (clamped to `count`). Never takes or drops page references.
 * @kernel lib/iov_iter.c iov_iter_advance()
 */
export function iovIterAdvance(i: IovIter, size: number): void {
  if (!(size >= 0)) throw new BiopathError('EINVAL', `iovIterAdvance(size): ${size} is not a size`);
  if (i.count < size) size = i.count;
  switch (i.iter_type) {
    case ITER_UBUF:
    case ITER_XARRAY:
      i.iov_offset += size;
      i.count -= size;
      return;
    case ITER_IOVEC:
      return iovecAdvance(i, i.__iov!, size);
    case ITER_KVEC:
      return iovecAdvance(i, i.kvec!, size);
    case ITER_BVEC:
      return bvecAdvance(i, size);
    case ITER_FOLIOQ:
      return folioqAdvance(i, size);
    case ITER_DISCARD:
      i.count -= size;
      return;
    case ITER_PIPE:
      return pipeAdvance(i, size);
  }
}
