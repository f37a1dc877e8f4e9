/**
 * Iterator constructors. Each fills `i` completely (every other field cleared) and returns it.
 * User-backed iterators take the address space `mm` (its `mem.profile` is the profile); kernel-backed
 * ones take the frames `mem` explicitly; ITER_DISCARD has no memory and behaves alike in every profile.
 *
 * @kernel lib/iov_iter.c iov_iter_init(), iov_iter_kvec(), iov_iter_bvec(), iov_iter_xarray(),
 *   iov_iter_folio_queue(), iov_iter_discard(); include/linux/uio.h iov_iter_ubuf()
 */
import { BiopathError } from './internal/errors.ts';
import type { MemMap, MmStruct } from '@biopath/mm';
import {
  ITER_BVEC, ITER_DISCARD, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_UBUF, ITER_XARRAY, READ, WRITE,
} from './constants.ts';
import type { FolioQueue } from './folio-queue.ts';
import type { BioVec, IovIter, Iovec, Kvec } from './iov-iter.ts';
import { resetIter } from './internal/reset.ts';
import type { XArray } from './xarray.ts';

function checkDirection(fn: string, direction: number): boolean {
  if (direction !== READ && direction !== WRITE) {
    throw new BiopathError('EINVAL', `${fn}(direction): ${direction} is neither READ (0) nor WRITE (1)`);
  }
  return direction === WRITE;
}

function checkSize(fn: string, arg: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new BiopathError('EINVAL', `${fn}(${arg}): ${n} is not a size`);
}

function checkSegs(fn: string, segs: readonly unknown[], nrSegs: number): void {
  checkSize(fn, 'nr_segs', nrSegs);
  if (nrSegs > segs.length) throw new BiopathError('EINVAL', `${fn}(nr_segs): ${nrSegs} > ${segs.length} segments given`);
}

/** One user buffer. @kernel include/linux/uio.h iov_iter_ubuf() */
export function iovIterUbuf(i: IovIter, direction: number, mm: MmStruct, buf: number, count: number): IovIter {
  const source = checkDirection('iovIterUbuf', direction);
  checkSize('iovIterUbuf', 'buf', buf);
  checkSize('iovIterUbuf', 'count', count);
  resetIter(i, ITER_UBUF, source, count, 1);
  i.user_backed = true;
  i.ubuf = buf;
  i.mm = mm;
  i.mem = mm.mem;
  return i;
}

/** An array of user segments. @kernel lib/iov_iter.c iov_iter_init() */
export function iovIterInit(
  i: IovIter, direction: number, mm: MmStruct, iov: readonly Iovec[], nrSegs: number, count: number,
): IovIter {
  const source = checkDirection('iovIterInit', direction);
  checkSegs('iovIterInit', iov, nrSegs);
  checkSize('iovIterInit', 'count', count);
  resetIter(i, ITER_IOVEC, source, count, nrSegs);
  i.user_backed = true;
  i.__iov = iov;
  i.mm = mm;
  i.mem = mm.mem;
  return i;
}

/** An array of kernel segments (direct-map or vmalloc addresses in `mem`). @kernel iov_iter_kvec() */
export function iovIterKvec(
  i: IovIter, direction: number, mem: MemMap, kvec: readonly Kvec[], nrSegs: number, count: number,
): IovIter {
  const source = checkDirection('iovIterKvec', direction);
  checkSegs('iovIterKvec', kvec, nrSegs);
  checkSize('iovIterKvec', 'count', count);
  resetIter(i, ITER_KVEC, source, count, nrSegs);
  i.kvec = kvec;
  i.mem = mem;
  return i;
}

/** An array of bio_vecs over frames of `mem`. @kernel lib/iov_iter.c iov_iter_bvec() */
export function iovIterBvec(
  i: IovIter, direction: number, mem: MemMap, bvec: readonly BioVec[], nrSegs: number, count: number,
): IovIter {
  const source = checkDirection('iovIterBvec', direction);
  checkSegs('iovIterBvec', bvec, nrSegs);
  checkSize('iovIterBvec', 'count', count);
  resetIter(i, ITER_BVEC, source, count, nrSegs);
  i.bvec = bvec;
  i.mem = mem;
  return i;
}

/** Folios (head pfns) in `xarray`, from byte position `start`. @kernel lib/iov_iter.c iov_iter_xarray() */
export function iovIterXarray(
  i: IovIter, direction: number, mem: MemMap, xarray: XArray<number>, start: number, count: number,
): IovIter {
  const source = checkDirection('iovIterXarray', direction);
  checkSize('iovIterXarray', 'start', start);
  checkSize('iovIterXarray', 'count', count);
  resetIter(i, ITER_XARRAY, source, count, 0);
  i.xarray = xarray;
  i.xarray_start = start;
  i.mem = mem;
  return i;
}

/**
 * Folios in a folio_queue chain, from `offset` into slot `firstSlot`. Profile `current` only
 * (ITER_FOLIOQ appeared in 6.12). @kernel lib/iov_iter.c iov_iter_folio_queue()
 */
export function iovIterFolioq(
  i: IovIter, direction: number, mem: MemMap, folioq: FolioQueue, firstSlot: number, offset: number, count: number,
): IovIter {
  const source = checkDirection('iovIterFolioq', direction);
  if (mem.profile !== 'current') {
    throw new BiopathError('EINVAL', `iovIterFolioq(mem): ITER_FOLIOQ does not exist in profile ${mem.profile} (6.12+)`);
  }
  checkSize('iovIterFolioq', 'first_slot', firstSlot);
  checkSize('iovIterFolioq', 'offset', offset);
  checkSize('iovIterFolioq', 'count', count);
  resetIter(i, ITER_FOLIOQ, source, count, 0);
  i.folioq = folioq;
  i.folioq_slot = firstSlot;
  i.iov_offset = offset;
  i.mem = mem;
  return i;
}

/** A sink of `count` bytes that stores nothing; READ only. @kernel lib/iov_iter.c iov_iter_discard() */
export function iovIterDiscard(i: IovIter, direction: number, count: number): IovIter {
  if (direction !== READ) throw new BiopathError('EINVAL', 'iovIterDiscard(direction): a discard iterator is READ only');
  checkSize('iovIterDiscard', 'count', count);
  resetIter(i, ITER_DISCARD, false, count, 0);
  return i;
}
