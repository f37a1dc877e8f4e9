// 6.12's folio-aware bio_iov_iter_get_pages in profile `current`: the pages of a large folio are
// added as one range (one add, one merge attempt) instead of page by page, each page keeping its
// own pin and every page released at the end; the finished bio is aligned down with len_align_mask.
// The per-page profiles keep adding page by page. Buffers are large folios from mmap's folioOrder.
import { describe, expect, it } from 'vitest';
import { bioAlloc, bioIovCounters, bioIovIterGetPages, bioPut, bioReleasePages, type Bio } from '@biopath/block';
import { ITER_DEST, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import { PROFILES, folioNrPages, type Profile } from '@biopath/mm';
import { errno } from '@biopath/native';
import { rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

/** A `pages`-page buffer in folios of `order`, faulted in; returns its address. */
function folioBuffer(r: Rig, pages: number, order: number): number {
  const a = r.mm.mmap(pages * 4096, { folioOrder: order });
  r.mm.write(a, new Uint8Array(pages * 4096).fill(7));
  return a;
}

/** What a folio's pages carry: pins (model count per head) or, in legacy, references. */
function held(r: Rig, pfn: number, profile: Profile): number {
  const head = r.mem.head[pfn]!;
  return profile === 'legacy' ? r.mem.refcount[head]! : r.mem.dbgPins[head]!;
}

function release(bio: Bio): void {
  bioReleasePages(bio, true);
  bioPut(bio);
}

describe('a large-folio buffer per profile', () => {
  it.each(PROFILES)('%s: one 16-page folio → one bvec; current adds it once, the others page by page; pins per page, all released', (profile) => {
    const r = rig(profile);
    const a = folioBuffer(r, 16, 4);
    const p0 = r.mm.followPage(a);
    expect(folioNrPages(r.mem, p0)).toBe(16);
    const before = held(r, p0, profile);
    const bio = bioAlloc(r.bdev, 32, 0);
    const adds = bioIovCounters.adds;
    expect(bioIovIterGetPages(bio, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 16 * 4096))).toBe(0);
    expect(bioIovCounters.adds - adds).toBe(profile === 'current' ? 1 : 16);
    expect(bio.bi_vcnt).toBe(1);
    expect(bio.bi_iter.bi_size).toBe(16 * 4096);
    expect(held(r, p0, profile) - before).toBe(16);
    release(bio);
    expect(held(r, p0, profile)).toBe(before);
  });

  it.each(PROFILES)('%s: two folios and an offset start → one range per folio in current', (profile) => {
    const r = rig(profile);
    const a = folioBuffer(r, 32, 4);
    const heads = [r.mm.followPage(a), r.mm.followPage(a + 16 * 4096)].map((p) => r.mem.head[p]!);
    expect(heads[0]).not.toBe(heads[1]);
    const before = heads.map((h) => held(r, h, profile));
    const bio = bioAlloc(r.bdev, 64, 0);
    const adds = bioIovCounters.adds;
    // 512 bytes into the first page, up to 512 bytes before the end: 32 pages touched
    expect(bioIovIterGetPages(bio, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a + 512, 32 * 4096 - 1024))).toBe(0);
    expect(bioIovCounters.adds - adds).toBe(profile === 'current' ? 2 : 32);
    const adjacent = heads[1] === heads[0]! + 16;
    expect(bio.bi_vcnt).toBe(adjacent ? 1 : 2);
    expect(bio.bi_io_vec[0]!.bv_offset).toBe(512);
    expect(bio.bi_iter.bi_size).toBe(32 * 4096 - 1024);
    heads.forEach((h, k) => expect(held(r, h, profile) - before[k]!).toBe(16));
    release(bio);
    heads.forEach((h, k) => expect(held(r, h, profile)).toBe(before[k]));
  });
});

describe('current: len_align_mask aligns the finished bio', () => {
  it('12 KiB with an 8 KiB mask keeps 8 KiB, gives back the third page and leaves it in the iterator', () => {
    const r = rig('current');
    const a = folioBuffer(r, 4, 2);
    const p0 = r.mm.followPage(a);
    const before = held(r, p0, 'current');
    const bio = bioAlloc(r.bdev, 8, 0);
    const it = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 3 * 4096);
    expect(bioIovIterGetPages(bio, it, 8191)).toBe(0);
    expect(bio.bi_iter.bi_size).toBe(8192);
    expect(bio.bi_io_vec[0]!.bv_len).toBe(8192);
    expect(it.count).toBe(4096);
    expect(held(r, p0, 'current') - before).toBe(2);
    release(bio);
    expect(held(r, p0, 'current')).toBe(before);
  });

  it('less than one aligned unit: -EFAULT, nothing held, the iterator unmoved', () => {
    const r = rig('current');
    const a = folioBuffer(r, 4, 2);
    const p0 = r.mm.followPage(a);
    const before = held(r, p0, 'current');
    const bio = bioAlloc(r.bdev, 8, 0);
    const it = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 6000);
    expect(bioIovIterGetPages(bio, it, 8191)).toBe(-errno.EFAULT);
    expect(bio.bi_vcnt).toBe(0);
    expect(it.count).toBe(6000);
    expect(held(r, p0, 'current')).toBe(before);
    bioPut(bio);
  });

  it('the default mask is the logical block size: a 4608-byte read keeps 4096', () => {
    const r = rig('current');
    const a = folioBuffer(r, 4, 2);
    const bio = bioAlloc(r.bdev, 8, 0);
    const it = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 4096 + 700);
    expect(bioIovIterGetPages(bio, it)).toBe(0);
    expect(bio.bi_iter.bi_size % r.bdev.bd_queue.limits.logical_block_size).toBe(0);
    expect(it.count).toBe(4096 + 700 - bio.bi_iter.bi_size);
    release(bio);
  });

  it.each([1000, -1, 1.5])('a mask that is not 2^k - 1 (%s) is EINVAL naming lenAlignMask', (mask) => {
    const r = rig('current');
    const a = folioBuffer(r, 1, 0);
    const bio = bioAlloc(r.bdev, 2, 0);
    expect(() => bioIovIterGetPages(bio, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 4096), mask))
      .toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('lenAlignMask') }));
    bioPut(bio);
  });
});
