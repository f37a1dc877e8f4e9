// The faulty driver injects errors (at submission or completion), delays and short completions on
// a schedule or at random from a seed, over a memory-backed null device.
import { describe, expect, it } from 'vitest';
import { BLK_STS_MEDIUM, REQ_OP_READ, REQ_OP_WRITE, blkMqDrain, blkMqPoll, bioPut, submitBio } from '@biopath/block';
import { errno } from '@biopath/native';
import { createFaultyDriver, createNullDriver } from '@biopath/nvme';
import type { FaultyOptions } from '@biopath/nvme';
import type { MemMap } from '@biopath/mm';
import { contiguous, expectedPattern, fillPieces, frames, io, ioMany, makeBio, readPieces, withStack } from './helpers.ts';
import type { Piece, Stack } from './helpers.ts';

const faulty = (opts: FaultyOptions) => (_mem: MemMap) => createFaultyDriver(createNullDriver({ memoryBacked: true, sizeBytes: 1 << 24 }), opts);

function writes(s: Stack, n: number, seed0: number): number[] {
  return ioMany(s, frames(s.mem, n).map((pfn, i) => {
    const pieces: Piece[] = [{ pfn, off: 0, len: 4096 }];
    fillPieces(s.mem, pieces, seed0 + i);
    return { opf: REQ_OP_WRITE, sector: i * 8, pieces };
  }));
}

function readBack(s: Stack, sector: number, len: number): Buffer {
  const r: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len }];
  expect(io(s, REQ_OP_READ, sector, r)).toBe(0);
  return readPieces(s.mem, r);
}

describe('faulty driver: errors', () => {
  it('at completion: the 2nd write fails with -EIO though its data reached the device', async () => {
    await withStack(faulty({ rules: [{ ops: ['write'], nth: [2], action: { kind: 'error' } }] }), (s) => {
      expect(writes(s, 3, 10)).toEqual([0, -errno.EIO, 0]);
      expect(readBack(s, 8, 4096)).toEqual(expectedPattern(11, 4096));
      expect((s.drv as ReturnType<ReturnType<typeof faulty>>).faults.log).toMatchObject([{ rule: 0, kind: 'error', op: REQ_OP_WRITE, sector: 8 }]);
    });
  });

  it('at submission: the write fails and nothing reached the device; the status is the one asked for', async () => {
    const opts: FaultyOptions = { rules: [{ ops: ['write'], nth: [1], action: { kind: 'error', when: 'submit', status: BLK_STS_MEDIUM } }] };
    await withStack(faulty(opts), (s) => {
      expect(writes(s, 2, 20)).toEqual([-errno.ENODATA, 0]);
      expect(readBack(s, 0, 4096)).toEqual(Buffer.alloc(4096));
      expect(readBack(s, 8, 4096)).toEqual(expectedPattern(21, 4096));
    });
  });

  it('at random: the same seed fails the same requests, another seed others', async () => {
    const run = (seed: number) => withStack(faulty({ seed, rules: [{ ops: ['read'], probability: 0.3, action: { kind: 'error' } }] }), (s) => {
      const pfn = contiguous(s.mem, 0);
      const st = ioMany(s, Array.from({ length: 60 }, (_, i) => ({ opf: REQ_OP_READ, sector: i, pieces: [{ pfn, off: 0, len: 512 }] })));
      return st.map((x, i) => (x === 0 ? -1 : i)).filter((i) => i >= 0);
    });
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    expect(await run(43)).not.toEqual(a);
    expect(a.length).toBeGreaterThan(0);
    expect(a.length).toBeLessThan(60);
  });
});

describe('faulty driver: delays and short completions', () => {
  it('a delayed request ends only after the given number of polls', async () => {
    await withStack(faulty({ rules: [{ nth: [1], action: { kind: 'delay', polls: 3 } }] }), (s) => {
      const bio = makeBio(s, REQ_OP_READ, 0, [{ pfn: contiguous(s.mem, 0), off: 0, len: 4096 }]);
      let done = false;
      bio.bi_end_io = () => { done = true; };
      submitBio(bio);
      expect(s.drv.inFlight()).toBe(1);
      blkMqPoll(s.q);
      blkMqPoll(s.q);
      expect(done).toBe(false);
      blkMqPoll(s.q);
      expect([done, s.drv.inFlight()]).toEqual([true, 0]);
      bioPut(bio);
    });
  });

  it('a millisecond delay still completes when the queue is drained', async () => {
    await withStack(faulty({ rules: [{ every: 2, action: { kind: 'delay', ms: 3 } }] }), (s) => {
      expect(writes(s, 4, 1)).toEqual([0, 0, 0, 0]);
      blkMqDrain(s.q);
      expect(s.drv.inFlight()).toBe(0);
    });
  });

  it('a short read fails with -EIO, the first part holds the data and the rest is poisoned', async () => {
    await withStack(faulty({ rules: [{ ops: ['read'], nth: [1], action: { kind: 'short', bytes: 4096 } }] }), (s) => {
      const w: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len: 8192 }];
      fillPieces(s.mem, w, 5);
      expect(io(s, REQ_OP_WRITE, 0, w)).toBe(0);
      const r: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len: 8192 }];
      expect(io(s, REQ_OP_READ, 0, r)).toBe(-errno.EIO);
      const got = readPieces(s.mem, r);
      expect(got.subarray(0, 4096)).toEqual(expectedPattern(5, 4096));
      expect(got.subarray(4096)).toEqual(Buffer.alloc(4096, 0xa5));
    });
  });
});
