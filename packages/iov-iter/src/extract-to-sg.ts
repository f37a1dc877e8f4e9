/**
 * extract_iter_to_sg(): append the pages behind the front of an iterator to a scatter-gather table
 * and advance past them. UBUF/IOVEC pages are pinned (page by page, one entry per page); BVEC,
 * KVEC, XARRAY and FOLIOQ (6.12+) are only listed (one entry per bvec, per page of a kvec, per folio).
 *
 * @kernel lib/scatterlist.c extract_iter_to_sg()
 */
import { PAGE_SIZE, folioNrPages, isVmallocAddr, unpinUserPage, virtToPage, vmallocToPage, type MemMap } from '@biopath/mm';
import { iovIterAdvance } from './advance.ts';
import { ITER_BVEC, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_UBUF, ITER_XARRAY, ITER_TYPE_NAMES } from './constants.ts';
import { iovIterExtractPages } from './extract.ts';
import { BiopathError, errno, warnOnOnce } from './internal/errors.ts';
import type { IovIter } from './iov-iter.ts';
import { type SgTable, sgSetPage } from './scatterlist.ts';
import { folioqFolio, folioqFolioSize, folioqNrSlots } from './folio-queue.ts';
import { xaLoad } from './xarray.ts';

/** @kernel lib/scatterlist.c extract_user_to_sg() — pin, then decant page by page; on failure unpin back to orig_nents. */
function extractUserToSg(i: IovIter, maxsize: number, sgt: SgTable, sgMax: number, flags: number): number {
  const mem = i.mem!;
  const pages = { pages: new Int32Array(sgMax) };
  const res = { bytes: 0, offset0: 0 };
  let ret = 0;
  do {
    iovIterExtractPages(i, pages, maxsize, sgMax, flags, res);
    if (res.bytes <= 0) {
      while (sgt.nents > sgt.orig_nents) {
        const sg = sgt.sgl[--sgt.nents]!;
        unpinUserPage(mem, sg.page);
        sgSetPage(sg, -1, 0, 0);
      }
      return res.bytes;
    }
    let len = res.bytes;
    let off = res.offset0;
    maxsize -= len;
    ret += len;
    let npages = Math.ceil((off + len) / PAGE_SIZE);
    sgMax -= npages;
    for (let k = 0; npages > 0; npages--, k++) {
      const seg = Math.min(PAGE_SIZE - off, len);
      sgSetPage(sgt.sgl[sgt.nents++]!, pages.pages[k]!, seg, off);
      pages.pages[k] = -1;
      len -= seg;
      off = 0;
    }
  } while (maxsize > 0 && sgMax > 0);
  return ret;
}

/** @kernel lib/scatterlist.c extract_bvec_to_sg() — one entry per bvec (which may span pages). */
function extractBvecToSg(i: IovIter, maxsize: number, sgt: SgTable, sgMax: number): number {
  const bv = i.bvec!;
  let start = i.iov_offset;
  let ret = 0;
  for (let j = i.seg; j < i.seg + i.nr_segs; j++) {
    let len = bv[j]!.bv_len;
    if (start >= len) {
      start -= len;
      continue;
    }
    len = Math.min(maxsize, len - start);
    sgSetPage(sgt.sgl[sgt.nents++]!, bv[j]!.bv_page, len, bv[j]!.bv_offset + start);
    sgMax--;
    ret += len;
    maxsize -= len;
    if (maxsize <= 0 || sgMax === 0) break;
    start = 0;
  }
  if (ret > 0) iovIterAdvance(i, ret);
  return ret;
}

function kaddrToPage(mem: MemMap, kaddr: number): number {
  return isVmallocAddr(mem, kaddr) ? vmallocToPage(mem, kaddr) : virtToPage(mem, kaddr);
}

/**
 * @kernel lib/scatterlist.c extract_kvec_to_sg() — one entry per page of each kvec. Deviation: only
 * the bytes that got an entry count (upstream adds a whole kvec's length before running out of entries).
 */
function extractKvecToSg(i: IovIter, maxsize: number, sgt: SgTable, sgMax: number): number {
  const mem = i.mem!;
  const kv = i.kvec!;
  let start = i.iov_offset;
  let ret = 0;
  for (let j = i.seg; j < i.seg + i.nr_segs; j++) {
    let len = kv[j]!.iov_len;
    if (start >= len) {
      start -= len;
      continue;
    }
    let kaddr = kv[j]!.iov_base + start;
    let off = kaddr % PAGE_SIZE;
    len = Math.min(maxsize, len - start);
    kaddr -= off;
    do {
      const seg = Math.min(len, PAGE_SIZE - off);
      sgSetPage(sgt.sgl[sgt.nents++]!, kaddrToPage(mem, kaddr), seg, off);
      sgMax--;
      ret += seg;
      maxsize -= seg;
      len -= seg;
      kaddr += PAGE_SIZE;
      off = 0;
    } while (len > 0 && sgMax > 0);
    if (maxsize <= 0 || sgMax === 0) break;
    start = 0;
  }
  if (ret > 0) iovIterAdvance(i, ret);
  return ret;
}

/**
 * @kernel lib/scatterlist.c extract_xarray_to_sg() — one entry per folio (head page, offset into the
 * folio). Deviation: stops at the first hole (upstream's walk skips holes but keeps the offset of
 * the start, which only makes sense without them).
 */
function extractXarrayToSg(i: IovIter, maxsize: number, sgt: SgTable, sgMax: number): number {
  const mem = i.mem!;
  let pos = i.xarray_start + i.iov_offset;
  let ret = 0;
  while (maxsize > 0 && sgMax > 0) {
    const index = Math.floor(pos / PAGE_SIZE);
    const folio = xaLoad(i.xarray!, index);
    if (folio === null) break;
    const nr = folioNrPages(mem, folio);
    const offset = pos - (index - (index % nr)) * PAGE_SIZE;
    const len = Math.min(maxsize, nr * PAGE_SIZE - offset);
    sgSetPage(sgt.sgl[sgt.nents++]!, folio, len, offset);
    sgMax--;
    maxsize -= len;
    ret += len;
    pos += len;
  }
  if (ret > 0) iovIterAdvance(i, ret);
  return ret;
}

/**
 * @kernel lib/scatterlist.c extract_folioq_to_sg() — one entry per folio slot (the part from the
 * current offset), moving to the next segment at the end of one; advances the iterator itself.
 */
function extractFolioqToSg(i: IovIter, maxsize: number, sgt: SgTable, sgMax: number): number {
  let fq = i.folioq!;
  let slot = i.folioq_slot;
  let offset = i.iov_offset;
  let ret = 0;
  if (slot >= folioqNrSlots(fq) && fq.next !== null) {
    fq = fq.next;
    slot = 0;
  }
  while (maxsize > 0 && sgMax > 0 && slot < fq.vec.nr) {
    const fsize = folioqFolioSize(fq, slot);
    if (offset < fsize) {
      const len = Math.min(maxsize, fsize - offset);
      sgSetPage(sgt.sgl[sgt.nents++]!, folioqFolio(fq, slot), len, offset);
      sgMax--;
      ret += len;
      maxsize -= len;
      offset += len;
    }
    if (offset >= fsize) {
      offset = 0;
      slot++;
      if (slot >= folioqNrSlots(fq) && fq.next !== null) {
        fq = fq.next;
        slot = 0;
      }
    }
  }
  i.folioq = fq;
  i.folioq_slot = slot;
  i.iov_offset = offset;
  i.count -= ret;
  return ret;
}

/**
 * Append up to `maxsize` bytes from the front of `i` to `sgt` (from entry `sgt.nents`, at most
 * `sgMax` entries) and advance the iterator past them. Returns the bytes added (0 when `maxsize` or
 * the iterator is empty), or a negative errno: from a UBUF/IOVEC extraction (-EFAULT, -EREMOTEIO,
 * ...; then every entry above `orig_nents` is unpinned and dropped), or -EIO for an iterator type
 * the kernel does not support here (DISCARD, PIPE; with a WARN).
 * UBUF/IOVEC entries hold one pin each: release with {@link sgTableUnpin}. Other types hold nothing.
 * Throws EOPNOTSUPP under profile `legacy`, EINVAL if `sgt` has no room for `sgMax` more entries or an argument is not a count.
 * @kernel lib/scatterlist.c extract_iter_to_sg()
 */
export function extractIterToSg(i: IovIter, maxsize: number, sgt: SgTable, sgMax: number, extractionFlags = 0): number {
  if (!(maxsize >= 0)) throw new BiopathError('EINVAL', `extractIterToSg(maxsize): ${maxsize} is not a size`);
  if (!Number.isInteger(sgMax) || sgMax < 0 || sgt.nents + sgMax > sgt.sgl.length) {
    throw new BiopathError('EINVAL', `extractIterToSg(sgMax): ${sgMax} entries do not fit after ${sgt.nents} of ${sgt.sgl.length}`);
  }
  if (i.mem !== null && i.mem.profile === 'legacy') {
    throw new BiopathError('EOPNOTSUPP', 'extractIterToSg(i): profile legacy (6.2) has no extract_iter_to_sg() (added in 6.3)');
  }
  maxsize = Math.min(maxsize, i.count);
  if (maxsize === 0 || sgMax === 0) return 0;
  switch (i.iter_type) {
    case ITER_UBUF:
    case ITER_IOVEC:
      return extractUserToSg(i, maxsize, sgt, sgMax, extractionFlags);
    case ITER_BVEC:
      return extractBvecToSg(i, maxsize, sgt, sgMax);
    case ITER_KVEC:
      return extractKvecToSg(i, maxsize, sgt, sgMax);
    case ITER_XARRAY:
      return extractXarrayToSg(i, maxsize, sgt, sgMax);
    case ITER_FOLIOQ:
      return extractFolioqToSg(i, maxsize, sgt, sgMax);
    default:
      warnOnOnce(true, `extract_iter_to_sg(${ITER_TYPE_NAMES[i.iter_type]}) unsupported`);
      return -errno.EIO;
  }
}
