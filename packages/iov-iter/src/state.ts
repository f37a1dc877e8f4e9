/**
 * Shrinking, re-growing, saving and restoring an iterator's position.
 *
 * @kernel include/linux/uio.h iov_iter_truncate(), iov_iter_reexpand(), iov_iter_save_state();
 *   lib/iov_iter.c iov_iter_restore()
 */
import { BiopathError, warnOnOnce } from './internal/errors.ts';
import { ITER_BVEC, ITER_IOVEC, ITER_KVEC, ITER_UBUF } from './constants.ts';
import type { IovIter, IovIterState } from './iov-iter.ts';

/** Limit the iterator to `count` bytes; never grows it. @kernel include/linux/uio.h iov_iter_truncate() */
export function iovIterTruncate(i: IovIter, count: number): void {
  if (!(count >= 0)) throw new BiopathError('EINVAL', `iovIterTruncate(count): ${count} is not a size`);
  if (i.count > count) i.count = count;
}

/**
 * Set `count` back, typically to what it was before {@link iovIterTruncate}; the caller vouches
 * that the memory is there. @kernel include/linux/uio.h iov_iter_reexpand()
 */
export function iovIterReexpand(i: IovIter, count: number): void {
  if (!(count >= 0)) throw new BiopathError('EINVAL', `iovIterReexpand(count): ${count} is not a size`);
  i.count = count;
}

/** Record the position; pass `state` to reuse an object. @kernel include/linux/uio.h iov_iter_save_state() */
export function iovIterSaveState(
  i: IovIter, state: IovIterState = { iov_offset: 0, count: 0, nr_segs: 0 },
): IovIterState {
  state.iov_offset = i.iov_offset;
  state.count = i.count;
  state.nr_segs = i.nr_segs;
  return state;
}

/**
 * Go back to a position saved by {@link iovIterSaveState}. UBUF, IOVEC, KVEC and BVEC only; other
 * types WARN and are left alone. (Upstream's parenthesisation makes KVEC WARN and still restore;
 * the model restores KVEC without the WARN.) @kernel lib/iov_iter.c iov_iter_restore()
 */
export function iovIterRestore(i: IovIter, state: IovIterState): void {
  const t = i.iter_type;
  if (warnOnOnce(t !== ITER_UBUF && t !== ITER_IOVEC && t !== ITER_KVEC && t !== ITER_BVEC,
    'iovIterRestore: only UBUF, IOVEC, KVEC and BVEC iterators can be restored')) return;
  i.iov_offset = state.iov_offset;
  i.count = state.count;
  if (t === ITER_UBUF) return;
  i.seg -= state.nr_segs - i.nr_segs;
  i.nr_segs = state.nr_segs;
}
