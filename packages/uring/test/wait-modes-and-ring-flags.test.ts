// Every way of waiting works on every ring flavour we set up: blocking wait, busy polling, and
// the async wait embedders use (with every libuv threadpool thread blocked: it waits on the event
// loop, not on a thread); plain, SINGLE_ISSUER+DEFER_TASKRUN, COOP_TASKRUN, SQPOLL.
import { describe, expect, it } from 'vitest';
import { IoUring as Ring, prepNop, prepRead, sqeSetData } from '@biopath/uring';
import type { IoUring, RingSetup } from '@biopath/uring';
import { probe, withLoopDevice, withThreadpoolBlocked } from '@biopath/testing';
import { readWitness, withRig } from './helpers.ts';

const loop = probe.loop();

const DEV = 4 << 20;
const N = 64;

const flavours: Record<string, RingSetup> = {
  plain: { entries: 64 },
  'single-issuer+defer-taskrun': { entries: 64, singleIssuer: true, deferTaskrun: true },
  'coop-taskrun': { entries: 64, coopTaskrun: true },
  sqpoll: { entries: 64, sqpollIdleMs: 50 },
};

type Waiter = (ring: IoUring, want: number) => Promise<Map<number, number>>;
const waiters: Record<string, Waiter> = {
  blocking: async (ring, want) => drain(ring, want, () => ring.submitAndWait(1)),
  'busy-poll': async (ring, want) => drain(ring, want, () => ring.poll()),
  // the async wait is the event loop's (the ring is in its epoll set): it needs no threadpool thread
  async: async (ring, want) => {
    const got = await withThreadpoolBlocked(async () => {
      const out = new Map<number, number>();
      while (out.size < want) {
        await ring.waitCqeAsync();
        take(ring, out);
      }
      return out;
    });
    expect(got.sentinelRan).toBe(false);
    return got.result;
  },
};

function take(ring: IoUring, out: Map<number, number>): void {
  const n = ring.cqReady();
  for (let i = 0; i < n; i++) out.set(ring.cqeUserData(i), ring.cqeRes(i));
  ring.cqAdvance(n);
}

async function drain(ring: IoUring, want: number, step: () => void): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let spins = 0; out.size < want; spins++) {
    if (ring.cqReady() === 0) step();
    take(ring, out);
    if (spins > 50_000_000) throw new Error('no progress');
  }
  return out;
}

describe.skipIf(!loop.ok).each(Object.keys(flavours))('ring %s', (flavour) => {
  it.each(Object.keys(waiters))('%s wait completes 64 reads with the right data', async (w) => {
    await withLoopDevice(DEV, async (dev, image) => {
      await withRig(dev, N * 4096, flavours[flavour]!, async (r) => {
        for (let i = 0; i < N; i++) {
          const s = r.ring.getSqeOrThrow();
          prepRead(r.ring, s, r.fd, r.arena.iova + i * 4096, 4096, (N - 1 - i) * 4096);
          sqeSetData(r.ring, s, i + 1);
        }
        r.ring.submit();
        const got = await waiters[w]!(r.ring, N);
        expect([...got.values()].every((res) => res === 4096)).toBe(true);
        expect(got.size).toBe(N);
        const img = readWitness(image, 0, N * 4096);
        for (let i = 0; i < N; i++) {
          const off = (N - 1 - i) * 4096;
          expect(Buffer.from(r.bytes.subarray(i * 4096, (i + 1) * 4096)).equals(img.subarray(off, off + 4096))).toBe(true);
        }
      });
    });
  });
});

it.each(Object.keys(flavours))('ring %s keeps accepting submissions while an async wait is pending, and the submission wakes it', async (flavour) => {
  const ring = new Ring({ ...flavours[flavour]!, entries: 8 });
  try {
    const waiting = ring.waitCqeAsync(); // nothing in flight: only the NOP below can end this wait
    const s = ring.getSqeOrThrow();
    prepNop(ring, s);
    sqeSetData(ring, s, 9);
    expect(ring.submit()).toBe(1);
    expect(await waiting).toBe(1);
    expect(ring.cqReady()).toBe(1);
    expect(ring.cqeUserData(0)).toBe(9);
    ring.cqAdvance(1);
  } finally {
    ring.close();
  }
});
