// The faulty driver's null_blk-style injections: `busy` answers queueRq with BLK_STS_RESOURCE or
// BLK_STS_DEV_RESOURCE (requeue_inject), so block keeps the request and retries it; `timeout` loses
// a request (timeout_inject), which only block's timeout handler ends, with BLK_STS_TIMEOUT, after
// re-arming the timer as often as asked.
import { describe, expect, it } from 'vitest';
import {
  BLK_STS_DEV_RESOURCE, BLK_STS_IOERR, BLK_STS_RESOURCE, BLK_STS_TIMEOUT, REQ_OP_READ, blkMqDrain, blkMqInFlight, blkMqPoll,
  blkMqTimeoutWork, bioPut, submitBio,
} from '@biopath/block';
import type { Request } from '@biopath/block';
import { createFaultyDriver, createNullDriver } from '@biopath/nvme';
import type { FaultAction } from '@biopath/nvme';
import { contiguous, makeBio, withStack } from './helpers.ts';
import type { Stack } from './helpers.ts';

const faulty = (action: FaultAction, nth = [1]) => () =>
  createFaultyDriver(createNullDriver({ irqmode: 'poll' }), { rules: [{ ops: ['read'], nth, action }] });

/** Submit one-page reads at `sectors`; returns the bios and their statuses (-1 until ended). */
function reads(s: Stack, sectors: number[]): { bios: ReturnType<typeof makeBio>[]; st: number[] } {
  const pfn = contiguous(s.mem, 0);
  const st = sectors.map(() => -1);
  const bios = sectors.map((sector, i) => {
    const b = makeBio(s, REQ_OP_READ, sector, [{ pfn, off: 0, len: 4096 }]);
    b.bi_end_io = (x) => { st[i] = x.bi_status; };
    return b;
  });
  for (const b of bios) submitBio(b);
  return { bios, st };
}

/** The request behind tag `tag` of the queue's only hardware queue. */
const rqOf = (s: Stack, tag: number): Request => s.q.queue_hw_ctx[0].tags.static_rqs[tag];

describe('faulty driver: busy', () => {
  it.each([BLK_STS_RESOURCE, BLK_STS_DEV_RESOURCE])('status %i: block keeps the request, retries it, and it succeeds', async (status) => {
    await withStack(faulty({ kind: 'busy', status }, [2]), (s) => {
      const { bios, st } = reads(s, [0, 64]);
      expect(s.drv.stats).toMatchObject({ queued: 1, busy: 1 });
      expect(s.q.queue_hw_ctx[0].dispatch).not.toBe(null);
      blkMqDrain(s.q);
      expect(st).toEqual([0, 0]);
      expect(s.drv.stats).toMatchObject({ queued: 2, busy: 1 });
      for (const b of bios) bioPut(b);
    });
  });

  it('defaults to BLK_STS_RESOURCE; any other status is refused', () => {
    const d = faulty({ kind: 'busy' })();
    expect(d.faults.status(0)).toBe(BLK_STS_RESOURCE);
    d.close();
    expect(() => faulty({ kind: 'busy', status: BLK_STS_IOERR })()).toThrow(/EINVAL: createFaultyDriver\(rules\): busy status/);
  });
});

describe('faulty driver: lost requests and timeouts', () => {
  it('a lost request never completes by polling; the timeout handler ends it with BLK_STS_TIMEOUT', async () => {
    await withStack(faulty({ kind: 'timeout' }), (s) => {
      const { bios, st } = reads(s, [0]);
      blkMqPoll(s.q);
      expect([st, s.drv.inFlight(), s.drv.stats.queued]).toEqual([[-1], 1, 0]);
      const rq = rqOf(s, s.drv.faults.log[0]!.tag);
      expect(blkMqTimeoutWork(s.q, rq.deadline - 1)).toBe(0);
      expect(blkMqTimeoutWork(s.q, rq.deadline + 1)).toBe(1);
      expect([st, s.drv.inFlight()]).toEqual([[BLK_STS_TIMEOUT], 0]);
      bioPut(bios[0]!);
    });
  });

  it('`resets` re-arms the timer that many times before the request ends', async () => {
    await withStack(faulty({ kind: 'timeout', resets: 2 }), (s) => {
      const { bios, st } = reads(s, [0]);
      const rq = rqOf(s, s.drv.faults.log[0]!.tag);
      for (let i = 0; i < 2; i++) {
        const d = rq.deadline;
        expect(blkMqTimeoutWork(s.q, d + 1)).toBe(1);
        expect(rq.deadline).toBeGreaterThan(d);
        expect(blkMqInFlight(s.q)).toBe(1);
      }
      blkMqTimeoutWork(s.q, rq.deadline + 1);
      expect([st, blkMqInFlight(s.q)]).toEqual([[BLK_STS_TIMEOUT], 0]);
      bioPut(bios[0]!);
    });
  });

  it('requests not lost are the inner driver\'s: re-armed, then completed normally; close refuses while one is lost', async () => {
    await withStack(faulty({ kind: 'timeout' }, [2]), (s) => {
      const { bios, st } = reads(s, [0, 64]);
      const lost = rqOf(s, s.drv.faults.log[0]!.tag);
      const other = rqOf(s, lost.tag === 0 ? 1 : 0);
      expect(() => s.drv.close()).toThrow(/EBUSY: faulty close\(\): 1 lost requests/);
      expect(blkMqTimeoutWork(s.q, Math.max(lost.deadline, other.deadline) + 1)).toBe(2);
      expect(st).toEqual([-1, BLK_STS_TIMEOUT]);
      expect(blkMqInFlight(s.q)).toBe(1);
      blkMqPoll(s.q);
      expect(st).toEqual([0, BLK_STS_TIMEOUT]);
      for (const b of bios) bioPut(b);
    });
    expect(() => faulty({ kind: 'timeout', resets: -1 })()).toThrow(/EINVAL: createFaultyDriver\(rules\): timeout resets/);
  });
});
