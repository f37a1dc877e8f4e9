/**
 * Copying between a kernel buffer and an iterator, and zeroing through one. User-backed iterators
 * go through the process's page tables (faults, COW; a bad address makes the copy short);
 * kernel-backed ones through kernel addresses or frames. Each returns the bytes done and advances
 * the iterator by exactly that.
 *
 * @kernel lib/iov_iter.c _copy_to_iter(), _copy_from_iter(), iov_iter_zero()
 */
import { PAGE_SIZE } from '@biopath/mm';
import { iovIterAdvance } from './advance.ts';
import {
  ITER_BVEC, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_PIPE, ITER_UBUF, ITER_XARRAY,
} from './constants.ts';
import type { IovIter } from './iov-iter.ts';
import { appendOff, appendPipe } from './pipe.ts';
import { OP_FROM_ITER, OP_TO_ITER, OP_ZERO, stepFrames } from './internal/copy-step.ts';
import { iterateBvec, iterateFolioq, iterateIovec, iterateUbuf, iterateXarray } from './internal/copy-iterate.ts';
import { BiopathError, warnOnOnce } from './internal/errors.ts';

const NO_BUF = new Uint8Array(0);

/** ITER_PIPE: append pages to the pipe and fill them (the pipe moves `count` itself). */
function iteratePipe(i: IovIter, buf: Uint8Array, len: number, op: number): number {
  let progress = 0;
  while (progress < len) {
    const page = appendPipe(i, len - progress);
    if (page < 0) break;
    const n = Math.min(len - progress, PAGE_SIZE - appendOff.off);
    stepFrames(i.mem!, page * PAGE_SIZE + appendOff.off, buf, progress, n, op);
    progress += n;
  }
  return progress;
}

function iterateAndAdvance(i: IovIter, buf: Uint8Array, bytes: number, op: number): number {
  const len = Math.min(bytes, i.count);
  if (!len) return 0;
  let progress: number;
  switch (i.iter_type) {
    case ITER_UBUF: progress = iterateUbuf(i, buf, len, op); break;
    case ITER_IOVEC: progress = iterateIovec(i, buf, len, op, true); break;
    case ITER_KVEC: progress = iterateIovec(i, buf, len, op, false); break;
    case ITER_BVEC: progress = iterateBvec(i, buf, len, op); break;
    case ITER_FOLIOQ: progress = iterateFolioq(i, buf, len, op); break;
    case ITER_XARRAY: progress = iterateXarray(i, buf, len, op); break;
    case ITER_PIPE: return iteratePipe(i, buf, len, op);
    default: progress = len; /* ITER_DISCARD */
  }
  iovIterAdvance(i, progress);
  return progress;
}

function checkBuf(fn: string, buf: Uint8Array, bytes: number): void {
  if (!(bytes >= 0) || bytes > buf.length) {
    throw new BiopathError('EINVAL', `${fn}(bytes): ${bytes} is not a size within the ${buf.length}-byte buffer`);
  }
}

/**
 * Copy `bytes` from `from` into the memory the iterator describes (a destination iterator).
 * Short only when user memory faults. @kernel lib/iov_iter.c _copy_to_iter()
 */
export function copyToIter(from: Uint8Array, bytes: number, i: IovIter): number {
  checkBuf('copyToIter', from, bytes);
  if (warnOnOnce(i.data_source, 'copyToIter: the iterator is a source (ITER_SOURCE)')) return 0;
  return iterateAndAdvance(i, from, bytes, OP_TO_ITER);
}

/**
 * Copy `bytes` from the memory the iterator describes (a source iterator) into `to`.
 * @kernel lib/iov_iter.c _copy_from_iter()
 */
export function copyFromIter(to: Uint8Array, bytes: number, i: IovIter): number {
  checkBuf('copyFromIter', to, bytes);
  if (warnOnOnce(!i.data_source, 'copyFromIter: the iterator is a destination (ITER_DEST)')) return 0;
  return iterateAndAdvance(i, to, bytes, OP_FROM_ITER);
}

/** Zero `bytes` of the memory the iterator describes. @kernel lib/iov_iter.c iov_iter_zero() */
export function iovIterZero(bytes: number, i: IovIter): number {
  if (!(bytes >= 0)) throw new BiopathError('EINVAL', `iovIterZero(bytes): ${bytes} is not a size`);
  return iterateAndAdvance(i, NO_BUF, bytes, OP_ZERO);
}
