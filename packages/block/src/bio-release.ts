/**
 * Giving a bio's pages back. What the pages carry is fixed by the bio flags (per profile); how they
 * are released is the bio's release mode, chosen before pages are taken and checked against what
 * the pages carry, so a mismatch is refused up front instead of leaking.
 * @kernel block/bio.c bio_release_page(), __bio_release_pages(); include/linux/bio.h bio_release_pages()
 */
import { type MemMap, putPage, setPageDirty, unpinUserPage, unpinUserPagesDirtyLock } from '@biopath/mm';
import { BiopathError, warnOnOnce } from '@biopath/native';
import {
  type Bio, type ReleaseModeName, RELEASE_AUTO, RELEASE_DEFERRED, RELEASE_NONE, RELEASE_PUT, RELEASE_UNPIN,
  RELEASE_UNPIN_BATCHED, RELEASE_MODES,
} from './bio-types.ts';
import { BIO_CLONED, BIO_NO_PAGE_REF, BIO_PAGE_PINNED, BIO_PAGE_REFFED } from './blk-types.ts';
import { bioFlagged } from './bio-flags.ts';
import { bioMem } from './bio-add.ts';
import { deferRelease } from './internal/deferred-release.ts';

/** What a bio's pages carry. */
export const PAGES_NONE = 0;
export const PAGES_PINNED = 1;
export const PAGES_REFFED = 2;

const NAMES: readonly ReleaseModeName[] = RELEASE_MODES;

/** RELEASE_* number of a mode name; EINVAL for an unknown one. */
export function releaseModeFromName(name: ReleaseModeName): number {
  const m = NAMES.indexOf(name);
  if (m < 0) throw new BiopathError('EINVAL', `releaseMode: ${String(name)} is not one of ${NAMES.join(', ')}`);
  return m;
}

/** Whether release `mode` can give back pages that carry `pages` (PAGES_*). */
export function releaseModeMatches(mode: number, pages: number): boolean {
  switch (mode) {
    case RELEASE_AUTO: return true;
    case RELEASE_UNPIN:
    case RELEASE_UNPIN_BATCHED: return pages === PAGES_PINNED;
    case RELEASE_PUT: return pages === PAGES_REFFED;
    case RELEASE_NONE: return pages === PAGES_NONE;
    default: return pages !== PAGES_NONE; // deferred
  }
}

/** What the bio's pages carry, from its flags under its profile. */
export function bioPagesCarry(bio: Bio): number {
  const mem = bioMem(bio);
  if (mem !== null && mem.profile === 'legacy') return bioFlagged(bio, BIO_NO_PAGE_REF) ? PAGES_NONE : PAGES_REFFED;
  if (bioFlagged(bio, BIO_PAGE_PINNED)) return PAGES_PINNED;
  if (mem !== null && mem.profile === 'v8' && bioFlagged(bio, BIO_PAGE_REFFED)) return PAGES_REFFED;
  return PAGES_NONE;
}

/**
 * Choose how this bio's pages will be released. Refused (EINVAL) if the pages already taken carry
 * something the mode cannot release; `bioIovIterGetPages` checks again before taking pages.
 */
export function bioSetReleaseMode(bio: Bio, mode: ReleaseModeName): void {
  const m = releaseModeFromName(mode);
  if (bio.bi_vcnt > 0 && !releaseModeMatches(m, bioPagesCarry(bio))) {
    throw new BiopathError('EINVAL', `bioSetReleaseMode(mode): '${mode}' cannot release pages this bio already holds`);
  }
  bio.bi_release = m;
}

/** The mode actually used for `auto`: folio-batched unpin under `current`, per-page unpin otherwise. */
function resolveMode(bio: Bio, mem: MemMap, carry: number): number {
  if (bio.bi_release !== RELEASE_AUTO) return bio.bi_release;
  if (carry === PAGES_REFFED) return RELEASE_PUT;
  return mem.profile === 'current' ? RELEASE_UNPIN_BATCHED : RELEASE_UNPIN;
}

/**
 * Release one page the way the bio's flags say: unpin (PINNED), put (REFFED / legacy without
 * BIO_NO_PAGE_REF), else nothing.
 * @kernel block/bio.c bio_release_page()
 */
export function bioReleasePage(bio: Bio, page: number): void {
  const mem = bioMem(bio);
  if (mem === null) return;
  const carry = bioPagesCarry(bio);
  if (carry === PAGES_PINNED) unpinUserPage(mem, page);
  else if (carry === PAGES_REFFED) putPage(mem, page);
}

/** 6.5: per single-page segment, dirty unless compound, then unpin or put. */
function releasePerPage(bio: Bio, mem: MemMap, markDirty: boolean, pin: boolean): void {
  const vecs = bio.bi_io_vec;
  for (let i = 0; i < bio.bi_vcnt; i++) {
    const bv = vecs[i];
    const first = bv.bv_page + (bv.bv_offset >>> 12);
    const last = bv.bv_page + ((bv.bv_offset + bv.bv_len - 1) >>> 12);
    for (let p = first; p <= last; p++) {
      if (markDirty && mem.order[mem.head[p]] === 0) setPageDirty(mem, p);
      if (pin) unpinUserPage(mem, p);
      else putPage(mem, p);
    }
  }
}

/**
 * Folio-grouped: the bio's pages are gathered (in the bio's scratch page array, a chunk at a time)
 * and handed to `unpinUserPagesDirtyLock`, which releases consecutive pages of one folio in one step
 * and dirties folios (compound ones too), as current kernels do.
 */
function releaseBatched(bio: Bio, mem: MemMap, markDirty: boolean): void {
  const vecs = bio.bi_io_vec;
  const pages = bio.bi_pages;
  let n = 0;
  for (let i = 0; i < bio.bi_vcnt; i++) {
    const bv = vecs[i];
    const first = bv.bv_page + (bv.bv_offset >>> 12);
    const last = bv.bv_page + ((bv.bv_offset + bv.bv_len - 1) >>> 12);
    for (let p = first; p <= last; p++) {
      if (n === pages.length) {
        unpinUserPagesDirtyLock(mem, pages, n, markDirty);
        n = 0;
      }
      pages[n++] = p;
    }
  }
  if (n > 0) unpinUserPagesDirtyLock(mem, pages, n, markDirty);
}

/**
 * Release every page of `bi_io_vec[0 .. bi_vcnt)` (all of it, whatever `bi_iter` says), dirtying
 * them first if asked. Does nothing for bios whose pages carry nothing; WARNs on a cloned bio
 * (only the owner releases).
 * @kernel include/linux/bio.h bio_release_pages(); block/bio.c __bio_release_pages()
 */
export function bioReleasePages(bio: Bio, markDirty: boolean): void {
  const carry = bioPagesCarry(bio);
  if (carry === PAGES_NONE) return;
  if (warnOnOnce(bioFlagged(bio, BIO_CLONED), 'bioReleasePages: cloned bio does not own its pages')) return;
  const mem = bioMem(bio)!;
  switch (resolveMode(bio, mem, carry)) {
    case RELEASE_UNPIN: return releasePerPage(bio, mem, markDirty, true);
    case RELEASE_UNPIN_BATCHED: return releaseBatched(bio, mem, markDirty);
    case RELEASE_PUT: return releasePerPage(bio, mem, markDirty, false);
    case RELEASE_DEFERRED: return deferRelease(bio, mem, markDirty, carry === PAGES_PINNED);
    default: warnOnOnce(true, 'bioReleasePages: release mode none on pages that carry a pin or reference');
  }
}
