// blk_rq_map_user_iov / blk_rq_unmap_user (docs/KERNEL-SEMANTICS.md §3.10, §6 ex. 34-36): aligned user
// memory is pinned and mapped directly (unmap dirties and unpins a READ); misaligned memory is
// bounced through kernel pages (WRITE copies in at map time, READ copies out at unmap, -EINTR
// without an address space); KVEC is bounced; a BVEC array is borrowed when it fits, else bounced.
import { describe, expect, it } from 'vitest';
import {
  BIO_BOUNCED, BLK_STS_MEDIUM, BLK_STS_OK, REQ_OP_DRV_IN, REQ_OP_DRV_OUT, RQF_COPY_USER, bioFlagged, blkExecuteRq, blkExecuteRqNowait,
  blkMqAllocRequest, blkMqDrain,
  blkMqFreeRequest, blkRqMapUserIov, blkRqUnmapUser,
} from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterBvec, iovIterKvec, iovIterUbuf } from '@biopath/iov-iter';
import { allocPages, pageAddress, pageDirty, putPage } from '@biopath/mm';
import { pattern, rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

function userBuf(r: Rig, len: number, fill = 0): number {
  const a = r.mm.mmap(len + 4096);
  r.mm.write(a, new Uint8Array(len + 4096).fill(fill));
  return a;
}

describe('direct mapping', () => {
  it('an aligned READ pins the user pages; unmap dirties and unpins them', () => {
    const r = rig('merged');
    const a = userBuf(r, 8192);
    const rq = blkMqAllocRequest(r.q, REQ_OP_DRV_IN);
    const acquired = r.mem.nrFollPinAcquired;
    expect(blkRqMapUserIov(rq, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 8192))).toBe(0);
    expect(r.mem.nrFollPinAcquired - acquired).toBe(2);
    expect(rq.__data_len).toBe(8192);
    expect(bioFlagged(rq.bio!, BIO_BOUNCED)).toBe(false);
    const bio = rq.bio;
    expect(blkExecuteRq(rq)).toBe(BLK_STS_OK);
    expect(blkRqUnmapUser(bio)).toBe(0);
    expect(r.mem.nrFollPinReleased).toBe(r.mem.nrFollPinAcquired);
    expect(pageDirty(r.mem, r.mm.followPage(a))).toBe(true);
  });
});

describe('execution', () => {
  it('blkExecuteRqNowait reports the status to its handler and frees the request', () => {
    const r = rig('merged', { faults: [{ action: { kind: 'error', status: BLK_STS_MEDIUM } }] });
    const rq = blkMqAllocRequest(r.q, REQ_OP_DRV_IN);
    const seen: number[] = [];
    blkExecuteRqNowait(rq, (_rq, sts) => { seen.push(sts); });
    blkMqDrain(r.q);
    expect(seen).toEqual([7]);
    expect(r.q.queue_hw_ctx[0].tags.nr_free).toBe(r.q.queue_hw_ctx[0].tags.nr_tags);
  });
});

describe('bounce (copy) path', () => {
  it('a misaligned WRITE copies the data in at map time and never pins user pages', () => {
    const r = rig('merged', { memoryBacked: true });
    const a = userBuf(r, 1024);
    const data = pattern(1024, 3);
    r.mm.write(a + 100, data);
    const rq = blkMqAllocRequest(r.q, REQ_OP_DRV_OUT);
    const acquired = r.mem.nrFollPinAcquired;
    expect(blkRqMapUserIov(rq, iovIterUbuf(createIovIter(), ITER_SOURCE, r.mm, a + 100, 1024))).toBe(0);
    expect(rq.rq_flags & RQF_COPY_USER).not.toBe(0);
    expect(r.mem.nrFollPinAcquired).toBe(acquired);
    const bio = rq.bio!;
    expect(bioFlagged(bio, BIO_BOUNCED)).toBe(true);
    const k = bio.bi_io_vec[0];
    expect(Buffer.from(r.mem.bytes.subarray(k.bv_page * 4096, k.bv_page * 4096 + 1024)).equals(Buffer.from(data))).toBe(true);
    rq.bio = null;
    blkMqFreeRequest(rq);
    expect(blkRqUnmapUser(bio)).toBe(0);
  });

  it('a misaligned READ copies out at unmap time, or fails with -EINTR without an address space', () => {
    for (const hasMm of [true, false]) {
      const r = rig('merged');
      const a = userBuf(r, 1024, 0x5a);
      const rq = blkMqAllocRequest(r.q, REQ_OP_DRV_IN);
      expect(blkRqMapUserIov(rq, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a + 100, 1024))).toBe(0);
      const bio = rq.bio!;
      const k = bio.bi_io_vec[0];
      r.mem.bytes.fill(0xa5, k.bv_page * 4096, k.bv_page * 4096 + 1024);
      expect(blkExecuteRq(rq)).toBe(BLK_STS_OK);
      expect(blkRqUnmapUser(bio, hasMm)).toBe(hasMm ? 0 : -4);
      expect(r.mm.read(a + 100, 1024).every((b) => b === (hasMm ? 0xa5 : 0x5a))).toBe(true);
    }
  });

  it('KVEC memory is bounced', () => {
    const r = rig('merged');
    const pfn = allocPages(r.mem, 0);
    const rq = blkMqAllocRequest(r.q, REQ_OP_DRV_OUT);
    const it = iovIterKvec(createIovIter(), ITER_SOURCE, r.mem, [{ iov_base: pageAddress(r.mem, pfn), iov_len: 4096 }], 1, 4096);
    expect(blkRqMapUserIov(rq, it)).toBe(0);
    expect(bioFlagged(rq.bio!, BIO_BOUNCED)).toBe(true);
    const bio = rq.bio;
    rq.bio = null;
    blkMqFreeRequest(rq);
    blkRqUnmapUser(bio);
    putPage(r.mem, pfn);
  });

  it('a BVEC that fits is borrowed without refs; one that exceeds the limits falls back to copying', () => {
    const r = rig('merged', { limits: { max_segments: 2 } });
    const pfn = allocPages(r.mem, 3);
    const refs = r.mem.refcount[pfn];
    const fits = [{ bv_page: pfn, bv_offset: 0, bv_len: 4096 }];
    const rq = blkMqAllocRequest(r.q, REQ_OP_DRV_OUT);
    expect(blkRqMapUserIov(rq, iovIterBvec(createIovIter(), ITER_SOURCE, r.mem, fits, 1, 4096))).toBe(0);
    expect(bioFlagged(rq.bio!, BIO_BOUNCED)).toBe(false);
    expect(r.mem.refcount[pfn]).toBe(refs);
    let bio = rq.bio;
    rq.bio = null;
    blkMqFreeRequest(rq);
    blkRqUnmapUser(bio);
    const gapped = [0, 2, 3].map((k) => ({ bv_page: pfn + k, bv_offset: 0, bv_len: 512 }));
    const rq2 = blkMqAllocRequest(r.q, REQ_OP_DRV_OUT);
    expect(blkRqMapUserIov(rq2, iovIterBvec(createIovIter(), ITER_SOURCE, r.mem, gapped, 3, 1536))).toBe(0);
    expect(bioFlagged(rq2.bio!, BIO_BOUNCED)).toBe(true);
    bio = rq2.bio;
    rq2.bio = null;
    blkMqFreeRequest(rq2);
    blkRqUnmapUser(bio);
    putPage(r.mem, pfn);
  });
});
