// Bad input is refused with a clear error and nothing held: too many bvecs for a bio, pages
// outside the frames, a passthrough request needing more segments than the device takes (-EINVAL,
// no split), limits the queue cannot honour, a bio without a device.
import { describe, expect, it } from 'vitest';
import {
  BIO_MAX_VECS, REQ_OP_DRV_IN, REQ_OP_READ, bioAddPage, bioAlloc, bioPut, blkMqAllocRequest, blkMqAllocTagSet,
  blkMqFreeRequest, blkRqAppendBio, blkRqMapUserIov, submitBio,
} from '@biopath/block';
import { ITER_DEST, createIovIter, iovIterInit, type Iovec } from '@biopath/iov-iter';
import { rig, useRigGate } from './helpers.ts';

useRigGate();

describe('bad input', () => {
  it('more bvecs than BIO_MAX_VECS, or a fractional count, is EINVAL', () => {
    expect(() => bioAlloc(null, BIO_MAX_VECS + 1, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => bioAlloc(null, 1.5, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('a page outside the frames, a negative length or offset is EINVAL naming the argument', () => {
    const r = rig('merged', { nrPages: 64 });
    const bio = bioAlloc(r.bdev, 2, 0);
    expect(() => bioAddPage(bio, 64, 512, 0)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('page') }));
    expect(() => bioAddPage(bio, 63, 8192, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => bioAddPage(bio, -1, 512, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => bioAddPage(bio, 1, -5, 0)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('len') }));
    expect(() => bioAddPage(bio, 1, 5, -1)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('offset') }));
    expect(bio.bi_vcnt).toBe(0);
    bioPut(bio);
  });

  it('a passthrough bio needing more segments than max_segments is -EREMOTEIO (never split)', () => {
    const r = rig('merged', { limits: { max_segments: 2 } });
    const rq = blkMqAllocRequest(r.q, REQ_OP_DRV_IN);
    const bio = bioAlloc(null, 4, REQ_OP_DRV_IN);
    bio.bi_mem = r.mem;
    for (let i = 0; i < 3; i++) bioAddPage(bio, 10 + 2 * i, 4096, 0);
    expect(blkRqAppendBio(rq, bio)).toBe(-121);
    expect(rq.bio).toBe(null);
    blkMqFreeRequest(rq);
    bioPut(bio);
  });

  it('mapping scattered user pages beyond max_segments for passthrough is -EINVAL with nothing pinned', () => {
    const r = rig('merged', { limits: { max_segments: 2 } });
    const base = r.mm.mmap(8 * 8192);
    const iov: Iovec[] = [];
    for (let i = 0; i < 4; i++) iov.push({ iov_base: base + i * 8192, iov_len: 4096 });
    for (let i = 3; i >= 0; i--) r.mm.write(iov[i].iov_base, new Uint8Array(4096));
    const rq = blkMqAllocRequest(r.q, REQ_OP_DRV_IN);
    expect(blkRqMapUserIov(rq, iovIterInit(createIovIter(), ITER_DEST, r.mm, iov, 4, 4 * 4096))).toBe(-22);
    expect(rq.bio).toBe(null);
    expect(r.mem.nrFollPinReleased).toBe(r.mem.nrFollPinAcquired);
    blkMqFreeRequest(rq);
  });

  it('a bio without a block device, and a tag set without the required hooks, are EINVAL', () => {
    const bio = bioAlloc(null, 1, REQ_OP_READ);
    expect(() => submitBio(bio)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    bioPut(bio);
    expect(() => blkMqAllocTagSet({ ops: { poll: () => 0 } as never, queue_depth: 4 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => blkMqAllocTagSet({ ops: { queueRq: () => 0, poll: () => 0, wait: () => 0 }, queue_depth: 0 }))
      .toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
