/**
 * KVEC: list the direct-map or vmalloc pages behind one kernel segment. No references, no pins.
 *
 * @kernel lib/iov_iter.c iov_iter_extract_kvec_pages()
 */
import { PAGE_OFFSET, PAGE_SIZE, isVmallocAddr, virtToPage, vmallocToPage, type MemMap } from '@biopath/mm';
import { iovIterAdvance } from '../advance.ts';
import type { ExtractResult, IovIter, PagesRef } from '../iov-iter.ts';
import { errno } from './errors.ts';
import { wantPagesArray } from './pages-array.ts';

/**
 * The page behind a kernel address: vmalloc → its frame, direct map → its frame, anything else → -1
 * (where the kernel would compute a bogus `struct page *`, e.g. from v8's miscomputed address).
 */
function kaddrToPage(mem: MemMap, kaddr: number): number {
  if (isVmallocAddr(mem, kaddr)) return vmallocToPage(mem, kaddr);
  if (kaddr >= PAGE_OFFSET && kaddr < PAGE_OFFSET + mem.nrPages * PAGE_SIZE) return virtToPage(mem, kaddr);
  return -1;
}

/**
 * Skip kvecs with no bytes left, then list the pages of the current one from `iov_base + iov_offset`.
 * Profile `v8` reproduces the posted series: `offset0 = iov_offset % PAGE_SIZE` and pages counted
 * from `iov_base` (the base's own offset was forgotten; fixed in v11).
 */
export function extractKvecPages(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, _extractionFlags: number, res: ExtractResult,
): number {
  const kvec = i.kvec!;
  const mem = i.mem!;
  let skip = i.iov_offset;
  let size: number;
  for (;;) {
    if (i.nr_segs === 0) return 0;
    size = Math.min(maxsize, kvec[i.seg]!.iov_len - skip);
    if (size) break;
    i.iov_offset = 0;
    i.nr_segs--;
    i.seg++;
    skip = 0;
  }
  const v8 = mem.profile === 'v8';
  let kaddr = kvec[i.seg]!.iov_base + (v8 ? 0 : skip);
  const offset = (v8 ? skip : kaddr) % PAGE_SIZE;
  res.offset0 = offset;
  const n = wantPagesArray(pages, size, offset, maxpages);
  if (!n) return -errno.ENOMEM;
  const p = pages.pages!;
  kaddr -= offset;
  for (let k = 0; k < n; k++, kaddr += PAGE_SIZE) p[k] = kaddrToPage(mem, kaddr);
  size = Math.min(size, n * PAGE_SIZE - offset);
  iovIterAdvance(i, size);
  return size;
}
