// Splitting to queue limits (docs/KERNEL-SEMANTICS.md §3.7, §6 ex. 26-27): bioSplitRwAt finds the cut for
// max_segments, max_sectors, max_segment_size, seg_boundary_mask and virt-boundary gaps, rounded to
// the logical block size; REQ_NOWAIT → -EAGAIN, REQ_ATOMIC → -EINVAL; submitBio cuts, chains and
// completes the original once.
import { describe, expect, it } from 'vitest';
import {
  BIO_MAX_VECS, REQ_ATOMIC, REQ_NOWAIT, REQ_OP_READ, bioAddPage, bioAlloc, bioPut, bioSplitRwAt, blkValidateLimits,
  submitBioWait, type Bio, type QueueLimits,
} from '@biopath/block';
import { rig, useRigGate } from './helpers.ts';

useRigGate();

/** A bio of `n` non-contiguous whole pages (every other frame). */
function sparseBio(n: number, opf = 0): Bio {
  const bio = bioAlloc(null, Math.min(n, BIO_MAX_VECS), opf);
  for (let i = 0; i < n; i++) bioAddPage(bio, 10 + 2 * i, 4096, 0);
  return bio;
}

const segs = { nsegs: 0 };
const at = (bio: Bio, lim: Partial<QueueLimits>, maxBytes = 1 << 30): number =>
  bioSplitRwAt(bio, blkValidateLimits(lim), segs, maxBytes);

describe('bioSplitRwAt', () => {
  it('130 non-contiguous pages with max_segments 128 split after 128 segments (1024 sectors)', () => {
    const bio = bioAlloc(null, 130 > BIO_MAX_VECS ? BIO_MAX_VECS : 130, 0);
    for (let i = 0; i < 130; i++) bioAddPage(bio, 10 + 2 * i, 4096, 0);
    expect(at(bio, { max_segments: 128, max_hw_sectors: 1 << 20, max_user_sectors: 1 << 20 })).toBe(1024);
    expect(segs.nsegs).toBe(128);
    bioPut(bio);
  });

  it('fits: returns 0 and counts the segments', () => {
    const bio = sparseBio(3);
    expect(at(bio, {})).toBe(0);
    expect(segs.nsegs).toBe(3);
    bioPut(bio);
  });

  it('cuts at max_bytes rounded down to the logical block size', () => {
    const bio = sparseBio(4);
    expect(at(bio, { logical_block_size: 4096 }, 10000)).toBe(16);
    bioPut(bio);
  });

  it('carves one large contiguous bvec at max_segment_size and the segment boundary', () => {
    const bio = bioAlloc(null, 1, 0);
    bioAddPage(bio, 16, 8 * 4096, 0);
    expect(at(bio, { max_segment_size: 8192 })).toBe(0);
    expect(segs.nsegs).toBe(4);
    expect(at(bio, { seg_boundary_mask: 4095 })).toBe(0);
    expect(segs.nsegs).toBe(8);
    expect(at(bio, { max_segment_size: 8192, max_segments: 2 })).toBe(32);
    bioPut(bio);
  });

  it('splits before a bvec that would leave a virt-boundary gap', () => {
    const bio = bioAlloc(null, 4, 0);
    bioAddPage(bio, 10, 1024, 0);
    bioAddPage(bio, 20, 4096, 0);
    expect(at(bio, { virt_boundary_mask: 4095 })).toBe(2);
    bioPut(bio);
  });

  it('a needed split of a REQ_NOWAIT bio is -EAGAIN, of a REQ_ATOMIC bio -EINVAL', () => {
    const a = sparseBio(4, REQ_NOWAIT);
    expect(at(a, { max_segments: 2 })).toBe(-11);
    bioPut(a);
    const b = sparseBio(4, REQ_ATOMIC);
    expect(at(b, { max_segments: 2 })).toBe(-22);
    bioPut(b);
  });
});

describe('submitBio splits to the limits', () => {
  it('a bio over max_segments becomes several requests and completes once', () => {
    const r = rig('merged', { limits: { max_segments: 4 } });
    const bio = sparseBio(10, REQ_OP_READ);
    bio.bi_bdev = r.bdev;
    expect(submitBioWait(bio)).toBe(0);
    expect(r.q.nr_splits).toBe(2);
    expect(r.drv.stats.completed).toBe(3);
    bioPut(bio);
  });

  it('a REQ_NOWAIT bio that needs a split fails with -EAGAIN and issues nothing', () => {
    const r = rig('merged', { limits: { max_segments: 4 } });
    const bio = sparseBio(10, REQ_OP_READ | REQ_NOWAIT);
    bio.bi_bdev = r.bdev;
    expect(submitBioWait(bio)).toBe(-11);
    expect(r.drv.stats.queued).toBe(0);
    bioPut(bio);
  });

  it('a bio past the end of the device fails with -EIO and issues nothing', () => {
    const r = rig('merged', { sizeBytes: 1 << 20 });
    const bio = sparseBio(2, REQ_OP_READ);
    bio.bi_bdev = r.bdev;
    bio.bi_iter.bi_sector = (1 << 20) / 512 - 8;
    expect(submitBioWait(bio)).toBe(-5);
    expect(r.drv.stats.queued).toBe(0);
    bioPut(bio);
  });
});
