import { ITER_BVEC, ITER_IOVEC } from '../constants.ts';
import type { IovIter } from '../iov-iter.ts';

/** Length of segment `k` of an IOVEC, KVEC or BVEC iterator. */
export function segLen(i: IovIter, k: number): number {
  if (i.iter_type === ITER_BVEC) return i.bvec![k]!.bv_len;
  return (i.iter_type === ITER_IOVEC ? i.__iov! : i.kvec!)[k]!.iov_len;
}
