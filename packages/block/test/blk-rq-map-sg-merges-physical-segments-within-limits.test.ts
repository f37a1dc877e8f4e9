// blk_rq_map_sg: the driver's DMA view of a request. Physically contiguous ranges (across bvecs and
// bios) become one entry, split at max_segment_size and seg_boundary_mask; each entry's iova is the
// frame's arena address plus offset (what an io_uring SQE carries).
import { describe, expect, it } from 'vitest';
import { REQ_OP_READ, SgTable, bioAddPage, bioAlloc, bioPut, blkMqAllocRequest, blkMqFreeRequest, blkRqAppendBio, blkRqMapSg } from '@biopath/block';
import { pageToIova } from '@biopath/mm';
import { warnOnOnceReset } from '@biopath/native';
import { rig, useRigGate } from './helpers.ts';

useRigGate();

describe('blkRqMapSg', () => {
  it('merges contiguous frames up to max_segment_size; iova = pageToIova + offset', () => {
    const r = rig('merged', { limits: { max_segment_size: 8192 } });
    const rq = blkMqAllocRequest(r.q, REQ_OP_READ);
    const bio = bioAlloc(null, 16, REQ_OP_READ);
    bio.bi_mem = r.mem;
    bioAddPage(bio, 10, 4096 * 3, 0);
    bioAddPage(bio, 20, 1024, 512);
    expect(blkRqAppendBio(rq, bio)).toBe(0);
    const sg = new SgTable(16);
    expect(blkRqMapSg(rq, sg)).toBe(3);
    expect(Array.from(sg.len.subarray(0, 3))).toEqual([8192, 4096, 1024]);
    expect(sg.iova[0]).toBe(pageToIova(r.mem, 10));
    expect(sg.iova[1]).toBe(pageToIova(r.mem, 12));
    expect(sg.iova[2]).toBe(pageToIova(r.mem, 20) + 512);
    expect(sg.pfn[2]).toBe(20);
    expect(sg.offset[2]).toBe(512);
    rq.bio = null;
    blkMqFreeRequest(rq);
    bioPut(bio);
  });

  it('never merges across a seg_boundary_mask window', () => {
    const r = rig('merged', { limits: { seg_boundary_mask: 8191 } });
    const rq = blkMqAllocRequest(r.q, REQ_OP_READ);
    const bio = bioAlloc(null, 16, REQ_OP_READ);
    bio.bi_mem = r.mem;
    bioAddPage(bio, 11, 4096 * 2, 0);
    expect(blkRqAppendBio(rq, bio)).toBe(0);
    const sg = new SgTable(16);
    expect(blkRqMapSg(rq, sg)).toBe(2);
    rq.bio = null;
    blkMqFreeRequest(rq);
    bioPut(bio);
  });

  it('returns -EINVAL (with a WARN) when the table is too small', () => {
    const r = rig('merged');
    const rq = blkMqAllocRequest(r.q, REQ_OP_READ);
    const bio = bioAlloc(null, 16, REQ_OP_READ);
    bio.bi_mem = r.mem;
    for (let i = 0; i < 3; i++) bioAddPage(bio, 10 + 2 * i, 4096, 0);
    expect(blkRqAppendBio(rq, bio)).toBe(0);
    expect(blkRqMapSg(rq, new SgTable(2))).toBe(-22);
    warnOnOnceReset();
    rq.bio = null;
    blkMqFreeRequest(rq);
    bioPut(bio);
  });
});
