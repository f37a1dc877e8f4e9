/**
 * Move an iterator back: the exact inverse of {@link iovIterAdvance} for the same byte count.
 * Reverting never unpins or frees anything, except for the historic ITER_PIPE, which releases the
 * pipe buffers it unwinds.
 *
 * @kernel lib/iov_iter.c iov_iter_revert()
 */
import { BiopathError, warnOnOnce } from './internal/errors.ts';
import {
  ITER_BVEC, ITER_DISCARD, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_PIPE, ITER_TYPE_NAMES, MAX_RW_COUNT,
} from './constants.ts';
import { folioqFolioSize, folioqNrSlots } from './folio-queue.ts';
import type { IovIter } from './iov-iter.ts';
import { pipeRevert } from './pipe.ts';
import { segLen } from './internal/seg.ts';

/** The kernel BUG()s here; the model throws, leaving the iterator as it was. */
function beforeStart(i: IovIter, unroll: number): never {
  i.count -= unroll;
  throw new BiopathError('EINVAL', `iovIterRevert(unroll): goes before the start of the ${ITER_TYPE_NAMES[i.iter_type]}`);
}

/** Walk back from the current segment; IOVEC, KVEC and BVEC differ only in the length field. */
function segRevert(i: IovIter, unroll: number): boolean {
  let k = i.seg - 1;
  for (; k >= 0; k--) {
    const n = segLen(i, k);
    if (unroll <= n) break;
    unroll -= n;
  }
  if (k < 0) return false;
  i.nr_segs += i.seg - k;
  i.iov_offset = segLen(i, k) - unroll;
  i.seg = k;
  return true;
}

/** @kernel lib/iov_iter.c iov_iter_folioq_revert() */
function folioqRevert(i: IovIter, unroll: number): boolean {
  let folioq = i.folioq!;
  let slot = i.folioq_slot;
  for (;;) {
    if (slot === 0) {
      if (folioq.prev === null) return false;
      folioq = folioq.prev;
      slot = folioqNrSlots(folioq);
    }
    slot--;
    const fsize = folioqFolioSize(folioq, slot);
    if (unroll <= fsize) {
      i.iov_offset = fsize - unroll;
      break;
    }
    unroll -= fsize;
  }
  i.folioq_slot = slot;
  i.folioq = folioq;
  return true;
}

function segsRevert(i: IovIter, unroll: number): boolean {
  switch (i.iter_type) {
    case ITER_IOVEC:
    case ITER_KVEC:
    case ITER_BVEC:
      return segRevert(i, unroll);
    case ITER_FOLIOQ:
      return folioqRevert(i, unroll);
    default: /* UBUF, XARRAY */
      return false;
  }
}

/**
 * Give back `unroll` bytes. More than MAX_RW_COUNT is a caller bug: WARN and ignore.
 * Going before the start of the iterator throws (a kernel BUG).
 * @kernel lib/iov_iter.c iov_iter_revert()
 */
export function iovIterRevert(i: IovIter, unroll: number): void {
  if (!(unroll >= 0)) throw new BiopathError('EINVAL', `iovIterRevert(unroll): ${unroll} is not a size`);
  if (!unroll) return;
  if (warnOnOnce(unroll > MAX_RW_COUNT, 'iovIterRevert: unroll > MAX_RW_COUNT')) return;
  i.count += unroll;
  if (i.iter_type === ITER_DISCARD) return;
  if (i.iter_type === ITER_PIPE) return pipeRevert(i, unroll);
  if (unroll <= i.iov_offset) {
    i.iov_offset -= unroll;
    return;
  }
  if (!segsRevert(i, unroll - i.iov_offset)) beforeStart(i, unroll);
}
