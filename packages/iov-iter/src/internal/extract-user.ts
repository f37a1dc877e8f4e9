/**
 * UBUF / IOVEC: pin the user pages of one segment (FOLL_PIN), or take references (FOLL_GET) for the
 * legacy get_pages path.
 *
 * @kernel lib/iov_iter.c iov_iter_extract_user_pages(), __iov_iter_get_pages_alloc()
 */
import {
  FOLL_NOFAULT, FOLL_PCI_P2PDMA, FOLL_WRITE, PAGE_SIZE, getUserPagesFast, pinUserPagesFast,
} from '@biopath/mm';
import { iovIterAdvance } from '../advance.ts';
import { ITER_ALLOW_P2PDMA } from '../constants.ts';
import type { ExtractResult, IovIter, PagesRef } from '../iov-iter.ts';
import { errno } from './errors.ts';
import { firstIovecSegment, firstSeg } from './first-segment.ts';
import { wantPagesArray } from './pages-array.ts';

type Grab = typeof pinUserPagesFast;

/** The common walk: first segment with bytes, offset0, page array, GUP, clamp, advance. */
function userPages(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, gupFlags: number, grab: Grab, res: ExtractResult,
): number {
  if (!firstIovecSegment(i, maxsize)) return 0;
  const addr = firstSeg.addr;
  maxsize = firstSeg.size;
  const offset = addr % PAGE_SIZE;
  res.offset0 = offset;
  const n = wantPagesArray(pages, maxsize, offset, maxpages);
  if (!n) return -errno.ENOMEM;
  const got = grab(i.mm!, addr - offset, n, gupFlags, pages.pages!, 0);
  if (got <= 0) return got;
  maxsize = Math.min(maxsize, got * PAGE_SIZE - offset);
  iovIterAdvance(i, maxsize);
  return maxsize;
}

/**
 * Pin the pages behind the first segment with bytes left: FOLL_WRITE for a destination,
 * FOLL_PCI_P2PDMA with ITER_ALLOW_P2PDMA, FOLL_NOFAULT if `nofault`. A GUP result ≤ 0 is returned
 * as is, with the iterator unmoved. (v8 also passed FOLL_PIN itself; mm's pin_user_pages_fast, like
 * upstream since v12, adds it and rejects callers that pass it, so no profile passes it here.)
 */
export function extractUserPages(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, extractionFlags: number, res: ExtractResult,
): number {
  let gupFlags = 0;
  if (!i.data_source) gupFlags |= FOLL_WRITE;
  if (extractionFlags & ITER_ALLOW_P2PDMA) gupFlags |= FOLL_PCI_P2PDMA;
  if (i.nofault) gupFlags |= FOLL_NOFAULT;
  return userPages(i, pages, maxsize, maxpages, gupFlags, pinUserPagesFast, res);
}

/** The FOLL_GET twin for iov_iter_get_pages2(): a reference per page, no P2PDMA. */
export function getUserBackedPages(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, res: ExtractResult,
): number {
  const gupFlags = (i.data_source ? 0 : FOLL_WRITE) | (i.nofault ? FOLL_NOFAULT : 0);
  return userPages(i, pages, maxsize, maxpages, gupFlags, getUserPagesFast, res);
}
