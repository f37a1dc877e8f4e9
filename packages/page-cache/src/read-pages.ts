/**
 * Building and completing read requests: consecutive new folios are gathered into one request
 * (up to the device's limit); completion marks them uptodate (or PG_error) and unlocks them.
 * @kernel mm/readahead.c read_pages(); block/fops.c blkdev_readahead(); mm/filemap.c filemap_read_folio()
 */
import type { AddressSpace } from './address-space.ts';
import { CACHE_IO_READ, cacheIoReqAlloc, cacheIoReqFree, type CacheIoReq } from './cache-io.ts';
import { folioMarkUptodate } from './filemap.ts';
import { folioUnlock } from './folio-wait.ts';
import { PG_error } from './page-flags.ts';

/** Completion of a read request. */
function endRead(req: CacheIoReq, status: number): void {
  const as = req.as!;
  const pc = as.pc;
  if (status < 0) as.stats.nr_read_errors++;
  else as.stats.nr_read += req.nr;
  for (let i = 0; i < req.nr; i++) {
    const pfn = req.pfns[i]!;
    if (status === 0) folioMarkUptodate(pc, pfn);
    else pc.flags[pfn] |= PG_error;
    folioUnlock(pc, pfn);
  }
  cacheIoReqFree(as.io, req);
}

/** Add locked folio `pfn` at `index` to the read being gathered, starting a new one on a gap. */
export function readPagesAdd(as: AddressSpace, pfn: number, index: number): void {
  let req = as.readReq;
  if (req !== null && (req.index + req.nr !== index || req.nr === as.io.maxPages)) {
    readPagesSubmit(as);
    req = null;
  }
  if (req === null) {
    req = cacheIoReqAlloc(as, CACHE_IO_READ, index, endRead);
    as.readReq = req;
  }
  req.pfns[req.nr++] = pfn;
}

/** Submit the read being gathered, if any. */
export function readPagesSubmit(as: AddressSpace): void {
  const req = as.readReq;
  if (req === null) return;
  as.readReq = null;
  as.stats.nr_read_reqs++;
  as.io.submit(req);
}

/**
 * Read one locked, not-uptodate folio (the retry after a failed readahead, or a write's
 * read-modify-write). Completion unlocks it. @kernel mm/filemap.c filemap_read_folio()
 */
export function filemapReadFolio(as: AddressSpace, pfn: number): void {
  readPagesSubmit(as);
  readPagesAdd(as, pfn, as.pc.index[pfn]);
  readPagesSubmit(as);
  as.io.unplug();
}
