/**
 * The package's public surface is exactly this list: a change to src/index.ts shows up here as a diff.
 */
import { expect, test } from 'vitest';
import * as api from '../src/index.ts';

test('src/index.ts exports exactly the documented names', () => {
  expect(Object.keys(api).sort()).toEqual([
    'IOVEC_SIZE', 'ITER_ALLOW_P2PDMA', 'ITER_BVEC', 'ITER_DEST', 'ITER_DISCARD', 'ITER_FOLIOQ', 'ITER_IOVEC',
    'ITER_KVEC', 'ITER_PIPE', 'ITER_SOURCE', 'ITER_TYPE_NAMES', 'ITER_UBUF', 'ITER_XARRAY', 'MAX_RW_COUNT',
    'PAGEVEC_SIZE', 'READ', 'UIO_FASTIOV', 'UIO_MAXIOV', 'WRITE', 'XA_MARK_0', 'XA_MARK_1', 'XA_MARK_2',
    'copyFromIter', 'copyToIter', 'createFolioQueue', 'createIovIter', 'createPipe', 'createXArray',
    'extractIterToSg',
    'folioqAppend', 'folioqAppendSegment', 'folioqCount', 'folioqFolio', 'folioqFolioOrder', 'folioqFolioSize',
    'folioqFull', 'folioqNrSlots', 'importIovec', 'importUbuf', 'iovIterAdvance', 'iovIterAlignment',
    'iovIterBvec', 'iovIterCount', 'iovIterDiscard', 'iovIterExtractMode', 'iovIterExtractPages',
    'iovIterExtractWillPin', 'iovIterFolioq', 'iovIterGapAlignment', 'iovIterGetPages2', 'iovIterGetPagesAlloc2',
    'iovIterInit', 'iovIterIsAligned', 'iovIterIsBvec', 'iovIterIsDiscard', 'iovIterIsFolioq', 'iovIterIsKvec',
    'iovIterIsPipe', 'iovIterIsXarray', 'iovIterKvec', 'iovIterNpages', 'iovIterPipe', 'iovIterReexpand',
    'iovIterRestore', 'iovIterRevert', 'iovIterRw', 'iovIterSaveState', 'iovIterTruncate', 'iovIterUbuf',
    'iovIterXarray', 'iovIterZero', 'iterIsIovec', 'iterIsUbuf', 'pipeBuf', 'pipeBufRelease', 'pipeDrain',
    'pipeOccupancy',
    'sgInitTable', 'sgSetPage', 'sgTableBytes', 'sgTableUnpin',
    'userBackedIter', 'xaClearMark', 'xaEmpty', 'xaErase', 'xaFind', 'xaFindMarked', 'xaForEach',
    'xaGetMark', 'xaLoad', 'xaSetMark', 'xaStore', 'xasInit', 'xasLoad', 'xasNext',
  ]);
});
