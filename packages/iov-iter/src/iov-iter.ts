/**
 * `struct iov_iter` and the segment structs it walks, as plain objects of one fixed shape.
 *
 * @kernel include/linux/uio.h struct iov_iter
 */
import type { MemMap, MmStruct } from '@biopath/mm';
import {
  ITER_BVEC, ITER_DISCARD, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_PIPE, ITER_UBUF, ITER_XARRAY, READ, WRITE,
  type IterType,
} from './constants.ts';
import type { FolioQueue } from './folio-queue.ts';
import type { Pipe } from './pipe.ts';
import type { XArray } from './xarray.ts';

/** One user-space segment. @kernel include/uapi/linux/uio.h struct iovec */
export interface Iovec {
  iov_base: number;
  iov_len: number;
}

/** One kernel-space segment; same layout as {@link Iovec}. @kernel include/linux/uio.h struct kvec */
export interface Kvec {
  iov_base: number;
  iov_len: number;
}

/**
 * One physically contiguous piece of memory: `bv_len` bytes from byte `bv_offset` of frame `bv_page`
 * (`bv_offset` may exceed a page: the frames that follow `bv_page` are meant).
 * @kernel include/linux/bvec.h struct bio_vec
 */
export interface BioVec {
  bv_page: number;
  bv_len: number;
  bv_offset: number;
}

/**
 * An I/O iterator. Every field is always present; the ones a type does not use hold `0` or `null`.
 *
 * The kernel keeps a pointer to the current segment (`__iov`, `kvec`, `bvec`) and moves it; here the
 * arrays stay put and {@link IovIter.seg} is the index of the current segment in them.
 * `iov_offset` doubles as the kernel's `last_offset` for ITER_PIPE (a union member upstream).
 */
export interface IovIter {
  iter_type: IterType;
  /** true = ITER_SOURCE (memory is read from), false = ITER_DEST (memory is written into). */
  data_source: boolean;
  /** Extraction must not fault pages in (`FOLL_NOFAULT`). */
  nofault: boolean;
  /** UBUF or IOVEC (the 6.5 field; later kernels derive it from the type). */
  user_backed: boolean;
  /** Bytes remaining. */
  count: number;
  /** Bytes consumed in the current segment (UBUF/XARRAY: from the start; FOLIOQ: in the current slot). */
  iov_offset: number;
  /** Segments remaining, including the current one. */
  nr_segs: number;
  /** ITER_UBUF: the user address. */
  ubuf: number;
  /** ITER_IOVEC: the segment array. */
  __iov: readonly Iovec[] | null;
  /** ITER_KVEC: the segment array. */
  kvec: readonly Kvec[] | null;
  /** ITER_BVEC: the segment array. */
  bvec: readonly BioVec[] | null;
  /** Index of the current segment in `__iov`/`kvec`/`bvec`. */
  seg: number;
  /** ITER_XARRAY: folios (head pfns) indexed by file page index. */
  xarray: XArray<number> | null;
  /** ITER_XARRAY: byte position in the file where the iterator starts. */
  xarray_start: number;
  /** ITER_FOLIOQ: the current folio_queue segment. */
  folioq: FolioQueue | null;
  /** ITER_FOLIOQ: the current slot in `folioq`. */
  folioq_slot: number;
  /** ITER_PIPE: the pipe. */
  pipe: Pipe | null;
  /** ITER_PIPE: ring index of the buffer being filled. */
  head: number;
  /** ITER_PIPE: pipe head when the iterator was created (revert never goes below it). */
  start_head: number;
  /** User-backed types: the address space (the kernel's `current->mm`). */
  mm: MmStruct | null;
  /** Frames behind every type but ITER_DISCARD; its `profile` selects profile-specific behaviour. */
  mem: MemMap | null;
}

/** Saved position of an iterator. @kernel include/linux/uio.h struct iov_iter_state */
export interface IovIterState {
  iov_offset: number;
  count: number;
  nr_segs: number;
}

/** A zeroed iterator (ITER_UBUF, count 0), like a zero-initialised `struct iov_iter`. */
export function createIovIter(): IovIter {
  return {
    iter_type: ITER_UBUF, data_source: false, nofault: false, user_backed: false, count: 0, iov_offset: 0,
    nr_segs: 0, ubuf: 0, __iov: null, kvec: null, bvec: null, seg: 0, xarray: null, xarray_start: 0,
    folioq: null, folioq_slot: 0, pipe: null, head: 0, start_head: 0, mm: null, mem: null,
  };
}

/** READ or WRITE. @kernel include/linux/uio.h iov_iter_rw() */
export function iovIterRw(i: IovIter): number {
  return i.data_source ? WRITE : READ;
}

/** Bytes remaining. @kernel include/linux/uio.h iov_iter_count() */
export function iovIterCount(i: IovIter): number {
  return i.count;
}

/** @kernel include/linux/uio.h user_backed_iter() */
export function userBackedIter(i: IovIter): boolean {
  return i.iter_type === ITER_UBUF || i.iter_type === ITER_IOVEC;
}

/** @kernel include/linux/uio.h iter_is_ubuf() */
export function iterIsUbuf(i: IovIter): boolean {
  return i.iter_type === ITER_UBUF;
}

/** @kernel include/linux/uio.h iter_is_iovec() */
export function iterIsIovec(i: IovIter): boolean {
  return i.iter_type === ITER_IOVEC;
}

/** @kernel include/linux/uio.h iov_iter_is_kvec() */
export function iovIterIsKvec(i: IovIter): boolean {
  return i.iter_type === ITER_KVEC;
}

/** @kernel include/linux/uio.h iov_iter_is_bvec() */
export function iovIterIsBvec(i: IovIter): boolean {
  return i.iter_type === ITER_BVEC;
}

/** @kernel include/linux/uio.h iov_iter_is_xarray() */
export function iovIterIsXarray(i: IovIter): boolean {
  return i.iter_type === ITER_XARRAY;
}

/** @kernel include/linux/uio.h iov_iter_is_folioq() */
export function iovIterIsFolioq(i: IovIter): boolean {
  return i.iter_type === ITER_FOLIOQ;
}

/** @kernel include/linux/uio.h iov_iter_is_discard() */
export function iovIterIsDiscard(i: IovIter): boolean {
  return i.iter_type === ITER_DISCARD;
}

/** @kernel include/linux/uio.h iov_iter_is_pipe() (≤ 6.4) */
export function iovIterIsPipe(i: IovIter): boolean {
  return i.iter_type === ITER_PIPE;
}

/**
 * The kernel's `struct page ***pages` out-parameter: a null `pages` asks the extraction to allocate
 * an array, which is stored here even when the call then fails (the caller frees it either way).
 */
export interface PagesRef {
  pages: Int32Array | null;
}

/** What an extraction reports: `bytes` > 0 extracted, 0, or a negative errno; `offset0` into pages[0]. */
export interface ExtractResult {
  bytes: number;
  offset0: number;
}
