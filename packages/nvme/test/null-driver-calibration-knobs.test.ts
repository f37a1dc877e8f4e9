// The null driver's calibration knobs: a completion delay (null_blk completion_nsec, irqmode=2)
// and a fixed CPU cost per request (a calibrated busy loop). Asserted by what is exact — which
// requests a poll or a wait ended, loop counts, coded errors — never by how long anything took.
import { describe, expect, it } from 'vitest';
import { REQ_OP_READ, REQ_OP_WRITE, blkMqDrain, blkMqPoll, blkMqWaitAsync, bioPut, submitBio } from '@biopath/block';
import type { Bio } from '@biopath/block';
import { NULL_COMPLETION_NSEC_MAX, NULL_CPU_NSEC_MAX, createNullDriver } from '@biopath/nvme';
import { contiguous, expectedPattern, fillPieces, io, makeBio, readPieces, withStack } from './helpers.ts';
import type { Piece, Stack } from './helpers.ts';

/** Submit `n` 4 KiB reads; `ended` records the order their bios end in. */
function submitReads(s: Stack, n: number, ended: number[]): Bio[] {
  const pfn = contiguous(s.mem, 0);
  const bios: Bio[] = [];
  for (let i = 0; i < n; i++) {
    const bio = makeBio(s, REQ_OP_READ, i * 16, [{ pfn, off: 0, len: 4096 }]); // not adjacent: never merged
    bio.bi_end_io = () => { ended.push(i); };
    submitBio(bio);
    bios.push(bio);
  }
  return bios;
}

describe('null driver completionNsec', () => {
  it('a request queued with a 1 s delay is not ended by an immediate poll nor a 0 ms wait; a blocking wait ends all, in order', async () => {
    await withStack(() => createNullDriver({ irqmode: 'poll', completionNsec: NULL_COMPLETION_NSEC_MAX }), (s) => {
      const ended: number[] = [];
      const bios = submitReads(s, 3, ended);
      expect([blkMqPoll(s.q), ended, s.drv.inFlight()]).toEqual([0, [], 3]);
      expect(s.drv.ops.wait(s.q.queue_hw_ctx[0]!, 1, 0)).toBe(0);
      expect(ended).toEqual([]);
      blkMqDrain(s.q);
      expect([ended, s.drv.inFlight()]).toEqual([[0, 1, 2], 0]);
      expect(s.drv.stats).toMatchObject({ queued: 3, completed: 3, errors: 0 });
      for (const b of bios) bioPut(b);
    });
  });

  it('delayed requests still move data (memory-backed) and end through the async wait', async () => {
    await withStack(() => createNullDriver({ irqmode: 'poll', completionNsec: 2_000_000, memoryBacked: true }), async (s) => {
      const w: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len: 8192 }];
      fillPieces(s.mem, w, 3);
      expect(io(s, REQ_OP_WRITE, 64, w)).toBe(0);
      const r: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len: 8192 }];
      const ended: number[] = [];
      const bio = makeBio(s, REQ_OP_READ, 64, r);
      bio.bi_end_io = () => { ended.push(bio.bi_status); };
      submitBio(bio);
      while (ended.length === 0) await blkMqWaitAsync(s.q);
      expect(ended).toEqual([0]);
      expect(readPieces(s.mem, r)).toEqual(expectedPattern(3, 8192));
      bioPut(bio);
    });
  });
});

describe('null driver cpuNsecPerIo', () => {
  it('each request runs busyLoopsPerIo iterations of the busy loop', async () => {
    await withStack(() => createNullDriver({ cpuNsecPerIo: 20_000 }), (s) => {
      expect([s.drv.cpuNsecPerIo, s.drv.completionNsec]).toEqual([20_000, 0]);
      expect(s.drv.busyLoopsPerIo).toBeGreaterThan(0);
      expect(s.drv.busyLoops()).toBe(0);
      const ended: number[] = [];
      const bios = submitReads(s, 5, ended);
      expect(ended).toEqual([0, 1, 2, 3, 4]);
      expect(s.drv.busyLoops()).toBe(5 * s.drv.busyLoopsPerIo);
      for (const b of bios) bioPut(b);
    });
  });

  it('the loop count scales with the cost (one calibration per process); no cost, no loop', () => {
    const one = createNullDriver({ cpuNsecPerIo: 100_000 });
    const two = createNullDriver({ cpuNsecPerIo: 200_000 });
    const none = createNullDriver();
    expect(Math.abs(two.busyLoopsPerIo - 2 * one.busyLoopsPerIo)).toBeLessThanOrEqual(1);
    expect([none.busyLoopsPerIo, none.busyLoops()]).toEqual([0, 0]);
    for (const d of [one, two, none]) d.close();
  });
});

describe('null driver knob validation', () => {
  it.each([
    ['completionNsec', { irqmode: 'poll' as const, completionNsec: -1 }],
    ['completionNsec', { irqmode: 'poll' as const, completionNsec: 1.5 }],
    ['completionNsec', { irqmode: 'poll' as const, completionNsec: NULL_COMPLETION_NSEC_MAX + 1 }],
    ['completionNsec', { irqmode: 'poll' as const, completionNsec: Number.NaN }],
    ['cpuNsecPerIo', { cpuNsecPerIo: -5 }],
    ['cpuNsecPerIo', { cpuNsecPerIo: 0.25 }],
    ['cpuNsecPerIo', { cpuNsecPerIo: NULL_CPU_NSEC_MAX + 1 }],
  ])('%s out of range is EINVAL naming it (%o)', (name, opts) => {
    expect(() => createNullDriver(opts)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining(`createNullDriver(${name})`) }));
  });

  it('a completion delay needs irqmode poll (null_blk: irqmode=2); 0 and the maxima are accepted', () => {
    expect(() => createNullDriver({ completionNsec: 1000 })).toThrow(/EINVAL: createNullDriver\(completionNsec\): 1000 needs irqmode 'poll'/);
    for (const d of [
      createNullDriver({ completionNsec: 0, cpuNsecPerIo: 0 }),
      createNullDriver({ irqmode: 'poll', completionNsec: NULL_COMPLETION_NSEC_MAX, cpuNsecPerIo: NULL_CPU_NSEC_MAX }),
    ]) d.close();
  });
});
