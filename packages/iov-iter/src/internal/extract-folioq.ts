/**
 * FOLIOQ: list page-sized (or smaller) parts of the folios in a folio_queue chain, slot by slot.
 * No references, no pins (get_pages takes one per page).
 *
 * @kernel lib/iov_iter.c iov_iter_extract_folioq_pages(), iter_folioq_get_pages()
 */
import { PAGE_SIZE, getPage } from '@biopath/mm';
import { type FolioQueue, folioqFolio, folioqFolioSize, folioqNrSlots } from '../folio-queue.ts';
import type { ExtractResult, IovIter, PagesRef } from '../iov-iter.ts';
import { errno, warnOnOnce } from './errors.ts';
import { wantPagesArray } from './pages-array.ts';

/** Next slot, wrapping to the next segment; null (after a WARN) when the chain has no more folios. */
function nextSlot(i: IovIter, folioq: FolioQueue, slot: number): FolioQueue | null {
  i.iov_offset = 0;
  i.folioq_slot = slot + 1;
  if (i.folioq_slot === folioqNrSlots(folioq) && folioq.next !== null) {
    i.folioq = folioq.next;
    i.folioq_slot = 0;
  }
  if (warnOnOnce(i.folioq_slot >= i.folioq!.vec.nr, 'iov_iter: ITER_FOLIOQ count runs past the last folio')) return null;
  return i.folioq;
}

/**
 * Step through the slots, each contributing `min(PAGE_SIZE - offset % PAGE_SIZE, maxsize left,
 * folio size - offset)` bytes, until `maxpages` entries or `maxsize` bytes. A slot index past the
 * segment with a non-zero offset WARNs and fails with -EIO. The iterator moves as parts are taken.
 */
export function extractFolioqPages(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, res: ExtractResult, takeRef: boolean,
): number {
  let folioq: FolioQueue | null = i.folioq!;
  if (i.folioq_slot >= folioqNrSlots(folioq)) {
    if (warnOnOnce(i.iov_offset !== 0, 'iov_iter: ITER_FOLIOQ slot past the segment with an offset')) return -errno.EIO;
    if (warnOnOnce(folioq.next === null, 'iov_iter: ITER_FOLIOQ past the last segment')) return 0;
    i.folioq = folioq = folioq.next;
    i.folioq_slot = 0;
  }
  const offset = i.iov_offset % PAGE_SIZE;
  res.offset0 = offset;
  const n = wantPagesArray(pages, maxsize, offset, maxpages);
  if (!n) return -errno.ENOMEM;
  const p = pages.pages!;
  let nr = 0;
  let extracted = 0;
  while (folioq !== null) {
    const slot = i.folioq_slot;
    const off = i.iov_offset;
    const fsize = folioqFolioSize(folioq, slot);
    if (off < fsize) {
      const part = Math.min(PAGE_SIZE - (off % PAGE_SIZE), maxsize - extracted, fsize - off);
      i.count -= part;
      i.iov_offset += part;
      extracted += part;
      p[nr] = folioqFolio(folioq, slot) + Math.floor(off / PAGE_SIZE);
      if (takeRef) getPage(i.mem!, p[nr]!);
      nr++;
    }
    if (nr >= n || extracted >= maxsize) break;
    if (i.iov_offset >= fsize) folioq = nextSlot(i, folioq, slot);
  }
  return extracted;
}
