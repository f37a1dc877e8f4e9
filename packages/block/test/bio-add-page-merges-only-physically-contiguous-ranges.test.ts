// bio_add_page / bio_add_folio / bio_add_hw_page (docs/KERNEL-SEMANTICS.md §3.3): merge into the last bvec
// only when the new range starts at the byte after it; report same-page merges; refuse cloned bios,
// full bios and bi_size overflow; the hardware variant also honours the queue limits.
import { describe, expect, it } from 'vitest';
import {
  BIO_CLONED, Bio, bioAddFolio, bioAddHwPage, bioAddPage, bioAlloc, bioFull, bioPut, bioSetFlag,
} from '@biopath/block';
import { warnOnOnceCount, warnOnOnceReset } from '@biopath/native';
import { rig, useRigGate } from './helpers.ts';

useRigGate();

function withBio(nr: number, fn: (bio: Bio) => void): void {
  const r = rig('merged');
  const bio = bioAlloc(r.bdev, nr, 0);
  try {
    fn(bio);
  } finally {
    bioPut(bio);
  }
}

describe('bioAddPage', () => {
  it('merges a range that starts right after the last bvec, across consecutive frames', () => withBio(4, (bio) => {
    expect(bioAddPage(bio, 100, 4096, 0)).toBe(4096);
    expect(bioAddPage(bio, 101, 4096, 0)).toBe(4096);
    expect(bio.bi_vcnt).toBe(1);
    expect(bio.bi_io_vec[0]).toEqual({ bv_page: 100, bv_len: 8192, bv_offset: 0 });
    expect(bio.bi_iter.bi_size).toBe(8192);
  }));

  it('merges inside one page (same page) and starts a new bvec after a gap', () => withBio(4, (bio) => {
    bioAddPage(bio, 7, 512, 0);
    bioAddPage(bio, 7, 512, 512);
    expect(bio.bi_vcnt).toBe(1);
    bioAddPage(bio, 7, 512, 2048);
    expect(bio.bi_vcnt).toBe(2);
    bioAddPage(bio, 9, 4096, 0);
    expect(bio.bi_vcnt).toBe(3);
  }));

  it('normalises an offset beyond a page to the following frame', () => withBio(2, (bio) => {
    bioAddPage(bio, 10, 100, 4096 + 8);
    expect(bio.bi_io_vec[0]).toEqual({ bv_page: 11, bv_len: 100, bv_offset: 8 });
  }));

  it('returns 0 when no slot is free, and bioFull says so', () => withBio(1, (bio) => {
    expect(bioFull(bio, 0)).toBe(false);
    bioAddPage(bio, 1, 4096, 0);
    expect(bioFull(bio, 0)).toBe(true);
    expect(bioAddPage(bio, 3, 4096, 0)).toBe(0);
    expect(bioAddPage(bio, 2, 4096, 0)).toBe(4096);
  }));

  it('refuses to overflow bi_size', () => withBio(2, (bio) => {
    bio.bi_iter.bi_size = 0xffffffff - 100;
    expect(bioFull(bio, 200)).toBe(true);
    expect(bioAddPage(bio, 1, 200, 0)).toBe(0);
  }));

  it('refuses a cloned bio with a WARN', () => withBio(2, (bio) => {
    bioSetFlag(bio, BIO_CLONED);
    expect(bioAddPage(bio, 1, 512, 0)).toBe(0);
    expect(warnOnOnceCount()).toBeGreaterThan(0);
    warnOnOnceReset();
  }));
});

describe('bioAddFolio', () => {
  it('adds the sub-page an offset names and refuses lengths beyond UINT_MAX', () => withBio(2, (bio) => {
    expect(bioAddFolio(bio, 64, 1024, 3 * 4096 + 512)).toBe(true);
    expect(bio.bi_io_vec[0]).toEqual({ bv_page: 67, bv_len: 1024, bv_offset: 512 });
    expect(bioAddFolio(bio, 64, 2 ** 32, 0)).toBe(false);
  }));
});

describe('bioAddHwPage', () => {
  it('clamps to max_segment_size, caps the total at maxSectors and limits segments', () => {
    const r = rig('merged', { limits: { max_segment_size: 4096, max_segments: 2, max_hw_sectors: 64 } });
    const bio = bioAlloc(null, 8, 0);
    expect(bioAddHwPage(r.q, bio, 10, 8192, 0, 64)).toBe(4096);
    expect(bioAddHwPage(r.q, bio, 11, 4096, 0, 64)).toBe(4096);
    expect(bio.bi_vcnt).toBe(2);
    expect(bioAddHwPage(r.q, bio, 20, 4096, 0, 64)).toBe(0);
    expect(bioAddHwPage(r.q, bio, 20, 4096, 0, 8)).toBe(0);
    bioPut(bio);
  });

  it('merges only inside one seg_boundary_mask window', () => {
    const r = rig('merged', { limits: { seg_boundary_mask: 8191 } });
    const bio = bioAlloc(null, 8, 0);
    bioAddHwPage(r.q, bio, 2, 4096, 0, 1024);
    bioAddHwPage(r.q, bio, 3, 4096, 0, 1024);
    expect(bio.bi_vcnt).toBe(1);
    bioAddHwPage(r.q, bio, 4, 4096, 0, 1024);
    expect(bio.bi_vcnt).toBe(2);
    bioPut(bio);
  });

  it('refuses a new segment that would leave a virt-boundary gap', () => {
    const r = rig('merged', { limits: { virt_boundary_mask: 4095 } });
    const bio = bioAlloc(null, 8, 0);
    expect(bioAddHwPage(r.q, bio, 2, 512, 0, 1024)).toBe(512);
    expect(bioAddHwPage(r.q, bio, 9, 4096, 0, 1024)).toBe(0);
    bioPut(bio);
  });
});
