/**
 * Walk the front `len` bytes of an iterator applying one copy operation per contiguous piece; stop
 * at the first short piece. Returns the bytes done; the caller advances the iterator by that much.
 *
 * @kernel include/linux/iov_iter.h iterate_and_advance2(), iterate_ubuf(), iterate_iovec(),
 *   iterate_kvec(), iterate_bvec(), iterate_folioq(), iterate_xarray()
 */
import { PAGE_SIZE } from '@biopath/mm';
import { folioqFolio, folioqFolioSize, folioqNrSlots } from '../folio-queue.ts';
import type { IovIter } from '../iov-iter.ts';
import { type XArray, type XaState, createXArray, xasInit, xasLoad, xasNext } from '../xarray.ts';
import { stepFrames, stepKernel, stepUser } from './copy-step.ts';
import { folioFilePage } from './extract-xarray.ts';

export function iterateUbuf(i: IovIter, buf: Uint8Array, len: number, op: number): number {
  return len - stepUser(i.mm!, i.ubuf + i.iov_offset, buf, 0, len, op);
}

/** IOVEC (user memory) and KVEC (kernel memory), segment by segment. */
export function iterateIovec(i: IovIter, buf: Uint8Array, len: number, op: number, user: boolean): number {
  const segs = user ? i.__iov! : i.kvec!;
  let progress = 0;
  let skip = i.iov_offset;
  for (let k = i.seg; len && k < i.seg + i.nr_segs; k++, skip = 0) {
    const part = Math.min(len, segs[k]!.iov_len - skip);
    if (!part) continue;
    const base = segs[k]!.iov_base + skip;
    const remain = user ? stepUser(i.mm!, base, buf, progress, part, op) : stepKernel(i.mem!, base, buf, progress, part, op);
    progress += part - remain;
    len -= part - remain;
    if (remain) break;
  }
  return progress;
}

export function iterateBvec(i: IovIter, buf: Uint8Array, len: number, op: number): number {
  const bvec = i.bvec!;
  let progress = 0;
  let skip = i.iov_offset;
  for (let k = i.seg; len && k < i.seg + i.nr_segs; k++, skip = 0) {
    const bv = bvec[k]!;
    const part = Math.min(len, bv.bv_len - skip);
    stepFrames(i.mem!, bv.bv_page * PAGE_SIZE + bv.bv_offset + skip, buf, progress, part, op);
    progress += part;
    len -= part;
  }
  return progress;
}

export function iterateFolioq(i: IovIter, buf: Uint8Array, len: number, op: number): number {
  let folioq = i.folioq!;
  let slot = i.folioq_slot;
  let skip = i.iov_offset;
  let progress = 0;
  while (len) {
    if (slot >= folioqNrSlots(folioq)) {
      if (folioq.next === null) break;
      folioq = folioq.next;
      slot = 0;
    }
    if (slot >= folioq.vec.nr) break;
    const part = Math.min(len, folioqFolioSize(folioq, slot) - skip);
    stepFrames(i.mem!, folioqFolio(folioq, slot) * PAGE_SIZE + skip, buf, progress, part, op);
    progress += part;
    len -= part;
    slot++;
    skip = 0;
  }
  return progress;
}

const EMPTY: XArray<number> = createXArray();
const xas: XaState<number> = { xa: EMPTY, xa_index: 0, xa_node: null, xa_offset: 0 };

/** Page by page through present folios; a hole ends the copy. */
export function iterateXarray(i: IovIter, buf: Uint8Array, len: number, op: number): number {
  const mem = i.mem!;
  let pos = i.xarray_start + i.iov_offset;
  let progress = 0;
  xasInit(xas, i.xarray!, Math.floor(pos / PAGE_SIZE));
  for (let folio = xasLoad(xas); len && folio !== null; folio = xasNext(xas)) {
    const off = pos % PAGE_SIZE;
    const part = Math.min(len, PAGE_SIZE - off);
    stepFrames(mem, folioFilePage(mem, folio, xas.xa_index) * PAGE_SIZE + off, buf, progress, part, op);
    progress += part;
    pos += part;
    len -= part;
  }
  xasInit(xas, EMPTY, 0);
  return progress;
}
