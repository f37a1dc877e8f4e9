// The null driver completes requests without a device: inline in queueRq (irqmode none) or on the
// next poll (irqmode poll); it moves no data unless memory-backed, like null_blk.
import { describe, expect, it } from 'vitest';
import {
  BLK_STS_OK, REQ_OP_DISCARD, REQ_OP_DRV_IN, REQ_OP_DRV_OUT, REQ_OP_READ, REQ_OP_WRITE, REQ_OP_WRITE_ZEROES, blkExecuteRq,
  blkMqAllocRequest, blkMqPoll, blkRqMapUserIov, blkRqUnmapUser, bioPut, submitBio,
} from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterBvec } from '@biopath/iov-iter';
import { errno } from '@biopath/native';
import { createNullDriver } from '@biopath/nvme';
import { contiguous, expectedPattern, fillPieces, io, ioNoData, makeBio, readPieces, withStack } from './helpers.ts';
import type { Piece } from './helpers.ts';

describe('null driver', () => {
  it('memory-backed: written data reads back, never-written blocks read as zeroes, no io_uring involved', async () => {
    await withStack(() => createNullDriver({ sizeBytes: 1 << 24, memoryBacked: true }), (s) => {
      const w: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 512, len: 6144 }];
      fillPieces(s.mem, w, 4);
      expect(io(s, REQ_OP_WRITE, 1000, w)).toBe(0);
      const r: Piece[] = [{ pfn: contiguous(s.mem, 2), off: 0, len: 8192 }];
      fillPieces(s.mem, r, 99);
      expect(io(s, REQ_OP_READ, 1000, r)).toBe(0);
      const got = readPieces(s.mem, r);
      expect(got.subarray(0, 6144)).toEqual(expectedPattern(4, 6144));
      expect(got.subarray(6144)).toEqual(Buffer.alloc(2048));
      expect(s.drv.stats).toMatchObject({ queued: 2, completed: 2, submits: 0, sqes: 0 });
    });
  });

  it('not memory-backed (the default): reads complete and leave the buffer as it was', async () => {
    await withStack(() => createNullDriver(), (s) => {
      const r: Piece[] = [{ pfn: contiguous(s.mem, 0), off: 0, len: 4096 }];
      fillPieces(s.mem, r, 7);
      expect(io(s, REQ_OP_READ, 0, r)).toBe(0);
      expect(readPieces(s.mem, r)).toEqual(expectedPattern(7, 4096));
    });
  });

  it('WRITE_ZEROES and DISCARD clear stored data', async () => {
    await withStack(() => createNullDriver({ memoryBacked: true }), (s) => {
      const w: Piece[] = [{ pfn: contiguous(s.mem, 2), off: 0, len: 16384 }];
      fillPieces(s.mem, w, 1);
      expect(io(s, REQ_OP_WRITE, 0, w)).toBe(0);
      expect(ioNoData(s, REQ_OP_WRITE_ZEROES, 1, 1024)).toBe(0);
      expect(ioNoData(s, REQ_OP_DISCARD, 8, 8192)).toBe(0);
      const r: Piece[] = [{ pfn: contiguous(s.mem, 2), off: 0, len: 16384 }];
      expect(io(s, REQ_OP_READ, 0, r)).toBe(0);
      const want = expectedPattern(1, 16384);
      want.fill(0, 512, 1536);
      want.fill(0, 4096, 12288);
      expect(readPieces(s.mem, r)).toEqual(want);
    });
  });

  it('passthrough REQ_OP_DRV_OUT / DRV_IN move their data like a write / read (null_blk: by op_is_write)', async () => {
    await withStack(() => createNullDriver({ memoryBacked: true }), (s) => {
      const run = (op: number, dir: number, pfn: number): number => {
        const rq = blkMqAllocRequest(s.q, op);
        const bv = [{ bv_page: pfn, bv_offset: 0, bv_len: 4096 }];
        expect(blkRqMapUserIov(rq, iovIterBvec(createIovIter(), dir, s.mem, bv, 1, 4096))).toBe(0);
        const bio = rq.bio;
        const st = blkExecuteRq(rq);
        expect(blkRqUnmapUser(bio)).toBe(0);
        return st;
      };
      const w: Piece[] = [{ pfn: contiguous(s.mem, 0), off: 0, len: 4096 }];
      const r: Piece[] = [{ pfn: contiguous(s.mem, 0), off: 0, len: 4096 }];
      fillPieces(s.mem, w, 5);
      expect(run(REQ_OP_DRV_OUT, ITER_SOURCE, w[0]!.pfn)).toBe(BLK_STS_OK);
      expect(run(REQ_OP_DRV_IN, ITER_DEST, r[0]!.pfn)).toBe(BLK_STS_OK);
      expect(readPieces(s.mem, r)).toEqual(expectedPattern(5, 4096));
    });
  });

  it('irqmode poll: a request ends on the next poll, not in queueRq', async () => {
    await withStack(() => createNullDriver({ irqmode: 'poll' }), (s) => {
      const bio = makeBio(s, REQ_OP_READ, 0, [{ pfn: contiguous(s.mem, 0), off: 0, len: 4096 }]);
      let done = false;
      bio.bi_end_io = () => { done = true; };
      submitBio(bio);
      expect([done, s.drv.inFlight()]).toEqual([false, 1]);
      expect(blkMqPoll(s.q)).toBe(1);
      expect([done, s.drv.inFlight()]).toEqual([true, 0]);
      bioPut(bio);
    });
  });

  it('a request past its capacity fails with BLK_STS_TARGET (-EREMOTEIO); bad options are refused', async () => {
    await withStack(() => createNullDriver({ sizeBytes: 1 << 20 }), (s) => {
      expect(io(s, REQ_OP_READ, 2048, [{ pfn: contiguous(s.mem, 0), off: 0, len: 4096 }])).toBe(-errno.EREMOTEIO);
    }, { sizeBytes: 1 << 21 });
    expect(() => createNullDriver({ blockSize: 1000 })).toThrow(/EINVAL: createNullDriver\(blockSize\)/);
    expect(() => createNullDriver({ sizeBytes: 1000 })).toThrow(/EINVAL: createNullDriver\(sizeBytes\)/);
  });
});
