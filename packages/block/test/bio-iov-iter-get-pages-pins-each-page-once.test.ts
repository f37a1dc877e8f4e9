// bio_iov_iter_get_pages (docs/KERNEL-SEMANTICS.md §3.4, §6 ex. 20-23): user memory is pinned (FOLL_GET in
// legacy) exactly once per bvec covering a page, contiguous pages merge, a page shared by two merged
// ranges keeps one pin, sizes are trimmed to the logical block size, kernel memory is only listed,
// BVEC arrays are borrowed, and a cloned bio is refused.
import { describe, expect, it } from 'vitest';
import {
  BIO_CLONED, BIO_NO_PAGE_REF, BIO_PAGE_PINNED, Bio, bioAddPage, bioAlloc, bioFlagged, bioIovIterGetPages, bioPut,
  bioReleasePages, bioSetFlag, bioSetReleaseMode,
} from '@biopath/block';
import {
  ITER_DEST, ITER_SOURCE, createIovIter, iovIterBvec, iovIterInit, iovIterKvec, iovIterUbuf,
} from '@biopath/iov-iter';
import { GUP_PIN_COUNTING_BIAS, allocPages, pageAddress, pageDirty, putPage } from '@biopath/mm';
import { warnOnOnceReset } from '@biopath/native';
import { rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

const refs = (r: Rig, pfn: number): number => r.mem.refcount[r.mem.head[pfn]];

/** Map `n` pages and fault them in with zeroes; returns the address. */
function faulted(r: Rig, n: number): number {
  const a = r.mm.mmap(n * 4096);
  r.mm.write(a, new Uint8Array(n * 4096));
  return a;
}

function done(bio: Bio, dirty: boolean): void {
  bioReleasePages(bio, dirty);
  bioPut(bio);
}

describe('user memory (UBUF)', () => {
  it.each(['merged', 'current', 'v8'] as const)('%s: one pin per page, one bvec when physically contiguous, dirty at release', (profile) => {
    const r = rig(profile);
    const a = faulted(r, 3);
    const pfns = [0, 1, 2].map((k) => r.mm.followPage(a + k * 4096));
    const before = pfns.map((p) => refs(r, p));
    const bio = bioAlloc(r.bdev, 16, 0);
    const it = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 3 * 4096);
    expect(bioIovIterGetPages(bio, it)).toBe(0);
    expect(bioFlagged(bio, BIO_PAGE_PINNED)).toBe(true);
    expect(it.count).toBe(0);
    expect(bio.bi_iter.bi_size).toBe(3 * 4096);
    const contiguous = pfns[1] === pfns[0] + 1 && pfns[2] === pfns[1] + 1;
    if (contiguous) expect(bio.bi_vcnt).toBe(1);
    pfns.forEach((p, k) => expect(refs(r, p) - before[k]).toBe(GUP_PIN_COUNTING_BIAS));
    done(bio, true);
    pfns.forEach((p, k) => {
      expect(refs(r, p)).toBe(before[k]);
      expect(pageDirty(r.mem, p)).toBe(true);
    });
  });

  it('legacy: FOLL_GET references, released by put (no BIO_NO_PAGE_REF)', () => {
    const r = rig('legacy');
    const a = faulted(r, 2);
    const p0 = r.mm.followPage(a);
    const before = refs(r, p0);
    const bio = bioAlloc(r.bdev, 4, 0);
    expect(bioIovIterGetPages(bio, iovIterUbuf(createIovIter(), ITER_SOURCE, r.mm, a, 8192))).toBe(0);
    expect(bioFlagged(bio, BIO_NO_PAGE_REF)).toBe(false);
    expect(refs(r, p0) - before).toBe(1);
    done(bio, false);
    expect(refs(r, p0)).toBe(before);
  });

  it.each(['merged', 'legacy'] as const)('%s: two ranges of one page merge and keep a single pin/ref', (profile) => {
    const r = rig(profile);
    const a = faulted(r, 1);
    const p = r.mm.followPage(a);
    const before = refs(r, p);
    const iov = [{ iov_base: a, iov_len: 1024 }, { iov_base: a + 1024, iov_len: 1024 }];
    const bio = bioAlloc(r.bdev, 4, 0);
    expect(bioIovIterGetPages(bio, iovIterInit(createIovIter(), ITER_DEST, r.mm, iov, 2, 2048))).toBe(0);
    expect(bio.bi_vcnt).toBe(1);
    expect(bio.bi_io_vec[0].bv_len).toBe(2048);
    expect(refs(r, p) - before).toBe(profile === 'legacy' ? 1 : GUP_PIN_COUNTING_BIAS);
    done(bio, false);
    expect(refs(r, p)).toBe(before);
  });

  it('trims to the logical block size and reverts the iterator by the trimmed bytes', () => {
    const r = rig('merged');
    const a = faulted(r, 1);
    const bio = bioAlloc(r.bdev, 4, 0);
    const it = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 1000);
    expect(bioIovIterGetPages(bio, it)).toBe(0);
    expect(bio.bi_iter.bi_size).toBe(512);
    expect(it.count).toBe(488);
    done(bio, false);
  });

  it('trimming to nothing is -EFAULT with every pin dropped and the iterator restored', () => {
    const r = rig('merged');
    const a = faulted(r, 1);
    const bio = bioAlloc(r.bdev, 4, 0);
    const it = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 100);
    const acquired = r.mem.nrFollPinAcquired;
    expect(bioIovIterGetPages(bio, it)).toBe(-14);
    expect(it.count).toBe(100);
    expect(r.mem.nrFollPinAcquired - acquired).toBe(1);
    expect(r.mem.nrFollPinReleased).toBe(r.mem.nrFollPinAcquired);
    expect(bio.bi_vcnt).toBe(0);
    bioPut(bio);
  });

  it('stops at bi_max_vecs and leaves the rest in the iterator (partial is success)', () => {
    const r = rig('merged');
    const a = faulted(r, 8);
    const bio = bioAlloc(r.bdev, 2, 0);
    const it = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 8 * 4096);
    expect(bioIovIterGetPages(bio, it)).toBe(0);
    expect(bio.bi_iter.bi_size + it.count).toBe(8 * 4096);
    expect(bio.bi_vcnt).toBeLessThanOrEqual(2);
    done(bio, false);
  });

  it('unmapped memory is -EFAULT with nothing held', () => {
    const r = rig('merged');
    const bio = bioAlloc(r.bdev, 2, 0);
    expect(bioIovIterGetPages(bio, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, 0x7000_0000, 4096))).toBe(-14);
    bioPut(bio);
  });
});

describe('kernel memory', () => {
  it('KVEC pages are listed, not pinned (merged); legacy refuses KVEC with -EFAULT', () => {
    for (const profile of ['merged', 'legacy'] as const) {
      const r = rig(profile);
      const pfn = allocPages(r.mem, 0);
      const before = refs(r, pfn);
      const bio = bioAlloc(r.bdev, 4, 0);
      const it = iovIterKvec(createIovIter(), ITER_SOURCE, r.mem, [{ iov_base: pageAddress(r.mem, pfn), iov_len: 4096 }], 1, 4096);
      const ret = bioIovIterGetPages(bio, it);
      if (profile === 'legacy') expect(ret).toBe(-14);
      else {
        expect(ret).toBe(0);
        expect(bioFlagged(bio, BIO_PAGE_PINNED)).toBe(false);
        expect(refs(r, pfn)).toBe(before);
      }
      done(bio, false);
      expect(refs(r, pfn)).toBe(before);
      putPage(r.mem, pfn);
    }
  });

  it('a BVEC iterator is borrowed: BIO_CLONED, bi_bvec_done = iov_offset, no refs, no more pages', () => {
    const r = rig('merged');
    const pfn = allocPages(r.mem, 1);
    const before = refs(r, pfn);
    const bvec = [{ bv_page: pfn, bv_offset: 0, bv_len: 4096 }, { bv_page: pfn + 1, bv_offset: 0, bv_len: 4096 }];
    const it = iovIterBvec(createIovIter(), ITER_SOURCE, r.mem, bvec, 2, 8192);
    it.iov_offset = 512;
    it.count = 8192 - 512;
    const bio = bioAlloc(r.bdev, 0, 0);
    expect(bioIovIterGetPages(bio, it)).toBe(0);
    expect(bioFlagged(bio, BIO_CLONED)).toBe(true);
    expect(bio.bi_io_vec).toBe(bvec);
    expect(bio.bi_vcnt).toBe(2);
    expect(bio.bi_iter.bi_bvec_done).toBe(512);
    expect(bio.bi_iter.bi_size).toBe(8192 - 512);
    expect(it.count).toBe(0);
    expect(refs(r, pfn)).toBe(before);
    expect(bioAddPage(bio, pfn, 512, 0)).toBe(0);
    warnOnOnceReset();
    bioPut(bio);
    putPage(r.mem, pfn);
  });
});

describe('refusals', () => {
  it('a cloned bio: -EIO, nothing extracted', () => {
    const r = rig('current');
    const a = faulted(r, 1);
    const bio = bioAlloc(r.bdev, 4, 0);
    bioSetFlag(bio, BIO_CLONED);
    const it = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 4096);
    const acquired = r.mem.nrFollPinAcquired;
    expect(bioIovIterGetPages(bio, it)).toBe(-5);
    expect(it.count).toBe(4096);
    expect(r.mem.nrFollPinAcquired).toBe(acquired);
    warnOnOnceReset();
    bioPut(bio);
  });

  it('the cleanup mode is set once: kernel pages cannot be added to a bio holding pinned ones', () => {
    const r = rig('merged');
    const a = faulted(r, 1);
    const bio = bioAlloc(r.bdev, 4, 0);
    bioIovIterGetPages(bio, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 2048));
    const pfn = allocPages(r.mem, 0);
    const kv = iovIterKvec(createIovIter(), ITER_DEST, r.mem, [{ iov_base: pageAddress(r.mem, pfn), iov_len: 512 }], 1, 512);
    expect(() => bioIovIterGetPages(bio, kv)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(kv.count).toBe(512);
    done(bio, false);
    putPage(r.mem, pfn);
  });

  it('a release mode that cannot release these pages is refused before anything is pinned', () => {
    const r = rig('merged');
    const a = faulted(r, 1);
    const bio = bioAlloc(r.bdev, 4, 0);
    bioSetReleaseMode(bio, 'put');
    const acquired = r.mem.nrFollPinAcquired;
    expect(() => bioIovIterGetPages(bio, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 4096)))
      .toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(r.mem.nrFollPinAcquired).toBe(acquired);
    bioPut(bio);
  });
});
