/**
 * XARRAY: list the pages of consecutive present folios from `xarray_start + iov_offset`.
 * No references, no pins (get_pages takes one per page).
 *
 * @kernel lib/iov_iter.c iov_iter_extract_xarray_pages(), iter_xarray_get_pages()
 */
import { PAGE_SIZE, folioNrPages, getPage, type MemMap } from '@biopath/mm';
import { iovIterAdvance } from '../advance.ts';
import type { ExtractResult, IovIter, PagesRef } from '../iov-iter.ts';
import { type XArray, type XaState, createXArray, xasInit, xasLoad, xasNext } from '../xarray.ts';
import { errno } from './errors.ts';
import { wantPagesArray } from './pages-array.ts';

const EMPTY: XArray<number> = createXArray();
const xas: XaState<number> = { xa: EMPTY, xa_index: 0, xa_node: null, xa_offset: 0 };

/** The page of `folio` (a head pfn) holding file page `index`. @kernel folio_file_page() */
export function folioFilePage(mem: MemMap, folio: number, index: number): number {
  return folio + (index % folioNrPages(mem, folio));
}

/**
 * Collect pages until a hole or `maxpages`; `takeRef` gets a reference on each (get_pages2).
 * Deviation: when the first index is a hole upstream's arithmetic is meaningless; the model returns 0.
 */
export function extractXarrayPages(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, res: ExtractResult, takeRef: boolean,
): number {
  const mem = i.mem!;
  const pos = i.xarray_start + i.iov_offset;
  const offset = pos % PAGE_SIZE;
  res.offset0 = offset;
  const n = wantPagesArray(pages, maxsize, offset, maxpages);
  if (!n) return -errno.ENOMEM;
  const p = pages.pages!;
  let nr = 0;
  xasInit(xas, i.xarray!, Math.floor(pos / PAGE_SIZE));
  for (let folio = xasLoad(xas); folio !== null; folio = xasNext(xas)) {
    const page = folioFilePage(mem, folio, xas.xa_index);
    if (takeRef) getPage(mem, page);
    p[nr++] = page;
    if (nr === n) break;
  }
  xasInit(xas, EMPTY, 0);
  if (nr === 0) return 0;
  maxsize = Math.min(nr * PAGE_SIZE - offset, maxsize);
  iovIterAdvance(i, maxsize);
  return maxsize;
}
