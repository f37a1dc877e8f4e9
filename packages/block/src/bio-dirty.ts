/**
 * Dirtying the pages of a direct-I/O read: mark them dirty before submission; at completion release
 * at once if they are all still dirty, else defer the bio to "process context" (a work list run on
 * the next turn of the event loop, or by `bioFlushDirtyWork()`), which re-dirties and releases.
 * @kernel block/bio.c bio_set_pages_dirty(), bio_check_pages_dirty(), bio_dirty_fn()
 */
import { pageDirty, setPageDirty } from '@biopath/mm';
import type { Bio } from './bio-types.ts';
import { bioMem } from './bio-add.ts';
import { bioPut } from './bio-alloc.ts';
import { bioReleasePages } from './bio-release.ts';

/** Whether a page is part of a large folio (6.5 leaves compound pages alone here). */
function compound(mem: { order: Uint8Array; head: Int32Array }, p: number): boolean {
  return mem.order[mem.head[p]] !== 0;
}

/** Mark every (non-compound) page of the bio dirty. @kernel block/bio.c bio_set_pages_dirty() */
export function bioSetPagesDirty(bio: Bio): void {
  const mem = bioMem(bio);
  if (mem === null) return;
  for (let i = 0; i < bio.bi_vcnt; i++) {
    const bv = bio.bi_io_vec[i];
    const first = bv.bv_page + (bv.bv_offset >>> 12);
    const last = bv.bv_page + ((bv.bv_offset + bv.bv_len - 1) >>> 12);
    for (let p = first; p <= last; p++) if (!compound(mem, p)) setPageDirty(mem, p);
  }
}

let dirtyList: Bio | null = null;
let scheduled = false;
let deferredCount = 0;

/** Run the deferred dirty work: re-dirty, release, put. @kernel block/bio.c bio_dirty_fn() */
export function bioFlushDirtyWork(): number {
  let n = 0;
  while (dirtyList !== null) {
    const bio: Bio = dirtyList;
    dirtyList = bio.bi_private as Bio | null;
    bio.bi_private = null;
    bioReleasePages(bio, true);
    bioPut(bio);
    n++;
  }
  return n;
}

function onImmediate(): void {
  scheduled = false;
  bioFlushDirtyWork();
}

/** Bios ever deferred to the dirty work (observable). */
export function bioDirtyDeferred(): number {
  return deferredCount;
}

/**
 * At completion of a dirtied read: all pages still dirty → release now and put the bio; otherwise
 * (writeback cleaned one meanwhile) defer re-dirtying and release. @kernel block/bio.c bio_check_pages_dirty()
 */
export function bioCheckPagesDirty(bio: Bio): void {
  const mem = bioMem(bio)!;
  for (let i = 0; i < bio.bi_vcnt; i++) {
    const bv = bio.bi_io_vec[i];
    const first = bv.bv_page + (bv.bv_offset >>> 12);
    const last = bv.bv_page + ((bv.bv_offset + bv.bv_len - 1) >>> 12);
    for (let p = first; p <= last; p++) {
      if (!pageDirty(mem, p) && !compound(mem, p)) {
        bio.bi_private = dirtyList;
        dirtyList = bio;
        deferredCount++;
        if (!scheduled) {
          scheduled = true;
          setImmediate(onImmediate);
        }
        return;
      }
    }
  }
  bioReleasePages(bio, false);
  bioPut(bio);
}
