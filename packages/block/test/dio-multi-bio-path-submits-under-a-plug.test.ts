// The multi-bio DIO path (docs/KERNEL-SEMANTICS.md §3.9, §6 ex. 31-33): more pages than one bio holds →
// several bios under a plug, each releasing its own pins, total size returned, the first error wins;
// IOCB_NOWAIT needing a second bio → -EAGAIN with the first bio's pins released; async reads dirty
// pages before submission and defer the release when writeback cleaned one meanwhile.
import { describe, expect, it } from 'vitest';
import {
  BIO_MAX_VECS, BLK_STS_IOERR, EIOCBQUEUED, IOCB_NOWAIT, Kiocb, bioDirtyDeferred, bioFlushDirtyWork, blkMqDrain,
  blkdevDirectIO,
} from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterInit, iovIterUbuf, type Iovec } from '@biopath/iov-iter';
import { PG_dirty, pageDirty } from '@biopath/mm';
import { pattern, rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

/** `n` single pages, neither virtually nor physically contiguous (faulted in reverse order). */
function scattered(r: Rig, n: number): Iovec[] {
  const base = r.mm.mmap(n * 8192);
  const iov: Iovec[] = [];
  for (let i = 0; i < n; i++) iov.push({ iov_base: base + i * 8192, iov_len: 4096 });
  for (let i = n - 1; i >= 0; i--) r.mm.write(iov[i].iov_base, new Uint8Array(4096));
  return iov;
}

function kiocb(r: Rig, pos: number, flags = 0): Kiocb {
  const k = new Kiocb();
  k.ki_bdev = r.bdev;
  k.ki_pos = pos;
  k.ki_flags = flags;
  return k;
}

describe('multi-bio direct IO', () => {
  it('2 MiB from 512 scattered pages: several bios, the total returned, data in place, pins back', () => {
    const r = rig('merged', { memoryBacked: true, nrPages: 4096, queueDepth: 64 });
    const src = r.mm.mmap(2 << 20);
    const data = pattern(2 << 20, 7);
    r.mm.write(src, data);
    expect(blkdevDirectIO(kiocb(r, 0), iovIterUbuf(createIovIter(), ITER_SOURCE, r.mm, src, 2 << 20))).toBe(2 << 20);
    const iov = scattered(r, 512);
    const it = iovIterInit(createIovIter(), ITER_DEST, r.mm, iov, 512, 2 << 20);
    const bios = r.q.nr_bios;
    expect(blkdevDirectIO(kiocb(r, 0), it)).toBe(2 << 20);
    expect(r.q.nr_bios - bios).toBeGreaterThanOrEqual(Math.ceil(512 / BIO_MAX_VECS));
    for (let i = 0; i < 512; i += 97) {
      expect(Buffer.from(r.mm.read(iov[i].iov_base, 4096)).equals(Buffer.from(data.subarray(i * 4096, (i + 1) * 4096)))).toBe(true);
    }
  });

  it('a device error in one bio returns its errno and every pin comes back', () => {
    const r = rig('merged', { nrPages: 4096, queueDepth: 64, faults: [{ nth: [2], action: { kind: 'error', status: BLK_STS_IOERR } }] });
    const iov = scattered(r, 300);
    expect(blkdevDirectIO(kiocb(r, 0), iovIterInit(createIovIter(), ITER_DEST, r.mm, iov, 300, 300 * 4096))).toBe(-5);
  });

  it('async: one completion with the total size, ki_pos advanced', () => {
    const r = rig('merged', { nrPages: 4096, queueDepth: 64 });
    const iov = scattered(r, 300);
    const k = kiocb(r, 4096);
    let got = 0;
    k.ki_complete = (_k, ret) => { got = ret; };
    expect(blkdevDirectIO(k, iovIterInit(createIovIter(), ITER_DEST, r.mm, iov, 300, 300 * 4096))).toBe(EIOCBQUEUED);
    blkMqDrain(r.q);
    bioFlushDirtyWork();
    expect(got).toBe(300 * 4096);
    expect(k.ki_pos).toBe(4096 + 300 * 4096);
  });

  it('IOCB_NOWAIT needing a second bio → -EAGAIN, the first bio released, nothing issued', () => {
    const r = rig('merged', { nrPages: 4096 });
    const iov = scattered(r, 300);
    expect(blkdevDirectIO(kiocb(r, 0, IOCB_NOWAIT), iovIterInit(createIovIter(), ITER_DEST, r.mm, iov, 300, 300 * 4096))).toBe(-11);
    expect(r.drv.stats.queued).toBe(0);
    expect(r.mem.nrFollPinAcquired).toBeGreaterThan(0);
    expect(r.mem.nrFollPinReleased).toBe(r.mem.nrFollPinAcquired);
  });
});

describe('async read dirtying', () => {
  it.each([false, true])('writeback cleaning a page during the IO = %s: release deferred only then, pages end dirty', (clean) => {
    const r = rig('merged');
    const a = r.mm.mmap(8192);
    r.mm.write(a, new Uint8Array(8192));
    const p = r.mm.followPage(a);
    r.mem.flags[r.mem.head[p]] &= ~PG_dirty;
    const k = kiocb(r, 0);
    k.ki_complete = () => undefined;
    const deferred = bioDirtyDeferred();
    expect(blkdevDirectIO(k, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 8192))).toBe(EIOCBQUEUED);
    expect(pageDirty(r.mem, p)).toBe(true);
    if (clean) r.mem.flags[r.mem.head[p]] &= ~PG_dirty;
    blkMqDrain(r.q);
    expect(bioDirtyDeferred() - deferred).toBe(clean ? 1 : 0);
    expect(r.mem.nrFollPinReleased === r.mem.nrFollPinAcquired).toBe(!clean);
    expect(bioFlushDirtyWork()).toBe(clean ? 1 : 0);
    expect(r.mem.nrFollPinReleased).toBe(r.mem.nrFollPinAcquired);
    expect(pageDirty(r.mem, p)).toBe(true);
  });
});
