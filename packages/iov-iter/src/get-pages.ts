/**
 * The legacy page-getting path, still present upstream: every returned page carries a reference
 * (FOLL_GET for user pages, get_page/folio_get otherwise) that the caller drops with `putPage`.
 * KVEC and DISCARD are refused with -EFAULT. Available in every profile; profile `legacy` callers
 * (the 6.2 bio code) use nothing else.
 *
 * @kernel lib/iov_iter.c iov_iter_get_pages2(), iov_iter_get_pages_alloc2(), __iov_iter_get_pages_alloc()
 */
import { PAGE_SIZE, getPage } from '@biopath/mm';
import { ITER_BVEC, ITER_FOLIOQ, ITER_IOVEC, ITER_PIPE, ITER_UBUF, ITER_XARRAY, MAX_RW_COUNT } from './constants.ts';
import { checkExtractArgs } from './extract.ts';
import type { ExtractResult, IovIter, PagesRef } from './iov-iter.ts';
import { errno } from './internal/errors.ts';
import { extractFolioqPages } from './internal/extract-folioq.ts';
import { extractPipePages } from './internal/extract-pipe.ts';
import { getUserBackedPages } from './internal/extract-user.ts';
import { extractXarrayPages } from './internal/extract-xarray.ts';
import { wantPagesArray } from './internal/pages-array.ts';

/** One bvec per call, a reference on every page; moves to the next bvec once this one is used up. */
function getBvecPages(i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, res: ExtractResult): number {
  const bv = i.bvec![i.seg]!;
  maxsize = Math.min(maxsize, bv.bv_len - i.iov_offset);
  const skip = bv.bv_offset + i.iov_offset;
  const page = bv.bv_page + Math.floor(skip / PAGE_SIZE);
  res.offset0 = skip % PAGE_SIZE;
  const n = wantPagesArray(pages, maxsize, res.offset0, maxpages);
  if (!n) return -errno.ENOMEM;
  const p = pages.pages!;
  for (let k = 0; k < n; k++) {
    p[k] = page + k;
    getPage(i.mem!, page + k);
  }
  maxsize = Math.min(maxsize, n * PAGE_SIZE - res.offset0);
  i.count -= maxsize;
  i.iov_offset += maxsize;
  if (i.iov_offset === bv.bv_len) {
    i.iov_offset = 0;
    i.seg++;
    i.nr_segs--;
  }
  return maxsize;
}

function getPagesAlloc(i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, res: ExtractResult): number {
  maxsize = Math.min(maxsize, i.count, MAX_RW_COUNT);
  if (!maxsize) return 0;
  switch (i.iter_type) {
    case ITER_UBUF:
    case ITER_IOVEC:
      return getUserBackedPages(i, pages, maxsize, maxpages, res);
    case ITER_BVEC:
      return getBvecPages(i, pages, maxsize, maxpages, res);
    case ITER_FOLIOQ:
      return extractFolioqPages(i, pages, maxsize, maxpages, res, true);
    case ITER_XARRAY:
      return extractXarrayPages(i, pages, maxsize, maxpages, res, true);
    case ITER_PIPE:
      return extractPipePages(i, pages, maxsize, maxpages, res, true);
    default: /* KVEC, DISCARD */
      return -errno.EFAULT;
  }
}

const holder: PagesRef = { pages: null };

/**
 * Fill `pages` (room for `maxpages`) with referenced pages from the front of `i` and advance.
 * `bytes` as for extraction; `offset0` is the kernel's `*start`. `maxpages` 0 → 0.
 * @kernel lib/iov_iter.c iov_iter_get_pages2()
 */
export function iovIterGetPages2(
  i: IovIter, pages: Int32Array, maxsize: number, maxpages: number, res: ExtractResult = { bytes: 0, offset0: 0 },
): ExtractResult {
  checkExtractArgs('iovIterGetPages2', maxsize, maxpages);
  if (!maxpages) {
    res.bytes = 0;
    return res;
  }
  holder.pages = pages;
  res.bytes = getPagesAlloc(i, holder, maxsize, maxpages, res);
  holder.pages = null;
  return res;
}

/**
 * Like {@link iovIterGetPages2} with an array allocated into `pages.pages` (no page limit); on a
 * result ≤ 0 the array is freed again (`pages.pages` null). @kernel iov_iter_get_pages_alloc2()
 */
export function iovIterGetPagesAlloc2(
  i: IovIter, pages: PagesRef, maxsize: number, res: ExtractResult = { bytes: 0, offset0: 0 },
): ExtractResult {
  checkExtractArgs('iovIterGetPagesAlloc2', maxsize, 0);
  pages.pages = null;
  res.bytes = getPagesAlloc(i, pages, maxsize, Infinity, res);
  if (res.bytes <= 0) pages.pages = null;
  return res;
}
