// O_DIRECT entry checks (docs/KERNEL-SEMANTICS.md §3.8, §6 ex. 28-30): the position must be a multiple of
// the logical block size, every segment's length too, and every segment's address must satisfy
// dma_alignment; otherwise -EINVAL with nothing pinned. An empty iterator returns 0 and builds no bio.
import { describe, expect, it } from 'vitest';
import { Kiocb, blkdevDirectIO, blkdevReadIter, blkdevWriteIter } from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterInit, iovIterUbuf } from '@biopath/iov-iter';
import { rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

function kiocb(r: Rig, pos: number): Kiocb {
  const k = new Kiocb();
  k.ki_bdev = r.bdev;
  k.ki_pos = pos;
  return k;
}

function buffer(r: Rig, len: number): number {
  const a = r.mm.mmap(len);
  r.mm.write(a, new Uint8Array(len));
  return a;
}

describe('blkdevDirectIO alignment', () => {
  it('position 100 → -EINVAL, no pins taken', () => {
    const r = rig('merged');
    const a = buffer(r, 4096);
    const acquired = r.mem.nrFollPinAcquired;
    expect(blkdevDirectIO(kiocb(r, 100), iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 4096))).toBe(-22);
    expect(r.mem.nrFollPinAcquired).toBe(acquired);
    expect(r.q.nr_bios).toBe(0);
  });

  it('buffer at A+100 with dma_alignment 511 → -EINVAL', () => {
    const r = rig('merged');
    const a = buffer(r, 8192);
    expect(blkdevDirectIO(kiocb(r, 0), iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a + 100, 512))).toBe(-22);
  });

  it('buffer at A+4 on a device with dma_alignment 3 is accepted', () => {
    const r = rig('merged', { limits: { dma_alignment: 3 } });
    const a = buffer(r, 8192);
    expect(blkdevDirectIO(kiocb(r, 0), iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a + 4, 512))).toBe(512);
  });

  it('a segment whose length is not a multiple of the logical block size → -EINVAL', () => {
    const r = rig('merged');
    const a = buffer(r, 8192);
    const iov = [{ iov_base: a, iov_len: 1000 }, { iov_base: a + 4096, iov_len: 24 }];
    expect(blkdevDirectIO(kiocb(r, 0), iovIterInit(createIovIter(), ITER_SOURCE, r.mm, iov, 2, 1024))).toBe(-22);
  });

  it('count 0 → 0, no bio', () => {
    const r = rig('merged');
    const a = buffer(r, 4096);
    expect(blkdevDirectIO(kiocb(r, 0), iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 0))).toBe(0);
    expect(r.q.nr_bios).toBe(0);
  });

  it('no block device on the iocb throws EINVAL', () => {
    const r = rig('merged');
    expect(() => blkdevDirectIO(new Kiocb(), iovIterUbuf(createIovIter(), ITER_DEST, r.mm, 0, 512))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('the device end', () => {
  it('a raw direct read past the end fails with -EIO and leaves nothing pinned', () => {
    const r = rig('merged', { sizeBytes: 1 << 20 });
    const a = buffer(r, 8192);
    expect(blkdevDirectIO(kiocb(r, (1 << 20) - 4096), iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 8192))).toBe(-5);
    expect(r.drv.stats.queued).toBe(0);
  });

  it('blkdevReadIter shortens a read past the end and returns 0 at the end', () => {
    const r = rig('merged', { sizeBytes: 1 << 20 });
    const a = buffer(r, 8192);
    const k = kiocb(r, (1 << 20) - 4096);
    const it = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 8192);
    expect(blkdevReadIter(k, it)).toBe(4096);
    expect(k.ki_pos).toBe(1 << 20);
    expect(it.count).toBe(4096);
    expect(blkdevReadIter(k, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 8192))).toBe(0);
  });

  it('blkdevWriteIter at the end is -ENOSPC', () => {
    const r = rig('merged', { sizeBytes: 1 << 20 });
    const a = buffer(r, 4096);
    expect(blkdevWriteIter(kiocb(r, 1 << 20), iovIterUbuf(createIovIter(), ITER_SOURCE, r.mm, a, 4096))).toBe(-28);
  });
});
