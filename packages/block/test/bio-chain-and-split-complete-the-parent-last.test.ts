// bio_endio / bio_chain / bio_split (docs/KERNEL-SEMANTICS.md §3.6): a parent completes once, after all its
// chained children, with the first error; a split is a clone sharing the bvecs covering the first
// sectors while the original advances; only the original releases pages.
import { describe, expect, it } from 'vitest';
import {
  BIO_CHAIN, BIO_CLONED, BLK_STS_IOERR, BLK_STS_MEDIUM, REQ_ATOMIC, bioAddPage, bioAlloc, bioChain, bioEndio, bioFlagged,
  bioPut, bioReleasePages, bioSectors, bioSplit, blkStatusToErrno, errnoToBlkStatus, BLK_STS_AGAIN, BLK_STS_TARGET,
  BLK_STS_NOSPC, BLK_STS_OK,
} from '@biopath/block';
import { warnOnOnceReset } from '@biopath/native';
import { rig, useRigGate } from './helpers.ts';

useRigGate();

describe('bioChain + bioEndio', () => {
  it('the parent completes after every child, once, with the first child error', () => {
    const r = rig('merged');
    const parent = bioAlloc(r.bdev, 0, 0);
    const ends: number[] = [];
    parent.bi_end_io = (b) => { ends.push(b.bi_status); };
    const kids = [0, 1, 2].map(() => bioAlloc(r.bdev, 0, 0));
    for (const k of kids) bioChain(k, parent);
    expect(bioFlagged(parent, BIO_CHAIN)).toBe(true);
    expect(parent.__bi_remaining).toBe(4);
    kids[1].bi_status = BLK_STS_MEDIUM;
    kids[2].bi_status = BLK_STS_IOERR;
    bioEndio(kids[1]);
    bioEndio(kids[2]);
    bioEndio(parent);
    expect(ends).toEqual([]);
    bioEndio(kids[0]);
    expect(ends).toEqual([BLK_STS_MEDIUM]);
    bioPut(parent);
  });

  it('refuses to chain a bio that already has a completion', () => {
    const r = rig('merged');
    const a = bioAlloc(r.bdev, 0, 0);
    const b = bioAlloc(r.bdev, 0, 0);
    a.bi_end_io = () => undefined;
    expect(() => bioChain(a, b)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    bioPut(a);
    bioPut(b);
  });
});

describe('bioSplit', () => {
  it('clones the first sectors (sharing bvecs), advances the original, and only the original releases', () => {
    const r = rig('merged');
    const bio = bioAlloc(r.bdev, 4, 0);
    bio.bi_iter.bi_sector = 100;
    bioAddPage(bio, 10, 4096, 0);
    bioAddPage(bio, 20, 4096, 0);
    const split = bioSplit(bio, 12);
    if (typeof split === 'number') throw new Error(String(split));
    expect(bioFlagged(split, BIO_CLONED)).toBe(true);
    expect(split.bi_io_vec).toBe(bio.bi_io_vec);
    expect(split.bi_iter.bi_sector).toBe(100);
    expect(bioSectors(split)).toBe(12);
    expect(bio.bi_iter.bi_sector).toBe(112);
    expect(bioSectors(bio)).toBe(4);
    expect(bio.bi_iter.bi_idx).toBe(1);
    expect(bio.bi_iter.bi_bvec_done).toBe(2048);
    bioReleasePages(split, false);
    warnOnOnceReset();
    bioPut(split);
    bioPut(bio);
  });

  it.each([0, 16, 17])('refuses %i sectors of a 16-sector bio (-EINVAL)', (sectors) => {
    const r = rig('merged');
    const bio = bioAlloc(r.bdev, 2, 0);
    bioAddPage(bio, 10, 8192, 0);
    expect(bioSplit(bio, sectors)).toBe(-22);
    warnOnOnceReset();
    bioPut(bio);
  });

  it('refuses to split a REQ_ATOMIC bio', () => {
    const r = rig('merged');
    const bio = bioAlloc(r.bdev, 2, REQ_ATOMIC);
    bioAddPage(bio, 10, 8192, 0);
    expect(bioSplit(bio, 8)).toBe(-22);
    bioPut(bio);
  });
});

describe('blk_status_t <-> errno', () => {
  it('follows the kernel table', () => {
    expect(blkStatusToErrno(BLK_STS_OK)).toBe(0);
    expect(blkStatusToErrno(BLK_STS_IOERR)).toBe(-5);
    expect(blkStatusToErrno(BLK_STS_AGAIN)).toBe(-11);
    expect(blkStatusToErrno(BLK_STS_NOSPC)).toBe(-28);
    expect(blkStatusToErrno(BLK_STS_TARGET)).toBe(-121);
    expect(blkStatusToErrno(BLK_STS_MEDIUM)).toBe(-61);
    expect(blkStatusToErrno(250)).toBe(-5);
    expect(errnoToBlkStatus(-11)).toBe(BLK_STS_AGAIN);
    expect(errnoToBlkStatus(5)).toBe(BLK_STS_IOERR);
    expect(errnoToBlkStatus(-9999)).toBe(BLK_STS_IOERR);
  });
});
