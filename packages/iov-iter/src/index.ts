/**
 * @biopath/iov-iter — `struct iov_iter` of every type (UBUF, IOVEC, KVEC, BVEC, XARRAY, FOLIOQ,
 * DISCARD, and the historic PIPE), advance/revert/copy/alignment, page extraction that pins
 * (user-backed) or just lists (kernel-backed), and the legacy get_pages path; plus the xarray and
 * folio_queue containers the iterator types walk.
 */
export {
  ITER_UBUF, ITER_IOVEC, ITER_BVEC, ITER_KVEC, ITER_FOLIOQ, ITER_XARRAY, ITER_DISCARD, ITER_PIPE, ITER_TYPE_NAMES,
  READ, WRITE, ITER_DEST, ITER_SOURCE, MAX_RW_COUNT, UIO_MAXIOV, UIO_FASTIOV, ITER_ALLOW_P2PDMA, IOVEC_SIZE,
} from './constants.ts';
export type { IterType, IterDirection } from './constants.ts';

// struct iov_iter
export type { IovIter, Iovec, Kvec, BioVec, IovIterState, PagesRef, ExtractResult } from './iov-iter.ts';
export {
  createIovIter, iovIterRw, iovIterCount, userBackedIter, iterIsUbuf, iterIsIovec, iovIterIsKvec, iovIterIsBvec,
  iovIterIsXarray, iovIterIsFolioq, iovIterIsDiscard, iovIterIsPipe,
} from './iov-iter.ts';
export {
  iovIterUbuf, iovIterInit, iovIterKvec, iovIterBvec, iovIterXarray, iovIterFolioq, iovIterDiscard,
} from './init.ts';
export { importIovec, importUbuf } from './import.ts';

// position
export { iovIterAdvance } from './advance.ts';
export { iovIterRevert } from './revert.ts';
export { iovIterTruncate, iovIterReexpand, iovIterSaveState, iovIterRestore } from './state.ts';

// data
export { copyToIter, copyFromIter, iovIterZero } from './copy.ts';
export { iovIterAlignment, iovIterIsAligned, iovIterGapAlignment } from './alignment.ts';
export { iovIterNpages } from './npages.ts';

// pages
export { iovIterExtractPages, iovIterExtractWillPin, iovIterExtractMode } from './extract.ts';
export { iovIterGetPages2, iovIterGetPagesAlloc2 } from './get-pages.ts';
export { extractIterToSg } from './extract-to-sg.ts';
export type { ScatterList, SgTable } from './scatterlist.ts';
export { sgInitTable, sgSetPage, sgTableBytes, sgTableUnpin } from './scatterlist.ts';

// containers
export type { XArray, XaState } from './xarray.ts';
export {
  XA_MARK_0, XA_MARK_1, XA_MARK_2, createXArray, xaEmpty, xaLoad, xaStore, xaErase, xaFind, xaFindMarked,
  xaForEach, xaSetMark, xaClearMark, xaGetMark, xasInit, xasLoad, xasNext,
} from './xarray.ts';
export type { FolioQueue, FolioBatch } from './folio-queue.ts';
export {
  PAGEVEC_SIZE, createFolioQueue, folioqAppendSegment, folioqNrSlots, folioqCount, folioqFull, folioqAppend,
  folioqFolio, folioqFolioOrder, folioqFolioSize,
} from './folio-queue.ts';
export type { Pipe, PipeBuffer } from './pipe.ts';
export { createPipe, iovIterPipe, pipeBuf, pipeOccupancy, pipeBufRelease, pipeDrain } from './pipe.ts';
