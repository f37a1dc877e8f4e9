// A direct handle on the bdev driver (an image file, or a loop device) waits for completions on the
// event loop itself — the ring is in the loop's epoll set — never on a libuv threadpool thread:
// writes, reads and a flush all complete while every threadpool thread is blocked (a sentinel
// threadpool job queued behind them has still not run when they are done). Were the wait on the
// threadpool, the first IO that had to wait would hang and the test would time out.
import { describe, expect, it } from 'vitest';
import { openBlockDevice } from '@biopath/blockdev';
import { readImage, withThreadpoolBlocked } from '@biopath/testing';
import { TARGETS, canUse, pattern, same, withTarget } from './helpers.ts';

const N = 64;
const QD = 8;

describe.each(TARGETS)('%s', (target) => {
  it.skipIf(!canUse(target))(`${N} writes, ${N} reads and a flush at queue depth ${QD} complete with the threadpool blocked`, async () => {
    await withTarget(target, 4 << 20, async (path, image) => {
      const h = openBlockDevice(path, { queueDepth: QD });
      try {
        const bufs = Array.from({ length: QD }, () => h.allocBuffer(4096));
        const off = (i: number): number => ((i * 37) % 1024) * 4096;
        const got = await withThreadpoolBlocked(async () => {
          const lanes = async (lane: number, io: (i: number, buf: Uint8Array) => Promise<unknown>): Promise<void> => {
            for (let i = lane; i < N; i += QD) await io(i, bufs[lane]!);
          };
          await Promise.all(bufs.map((_, l) => lanes(l, (i, b) => {
            b.set(pattern(i, 4096));
            return h.write(off(i), b);
          })));
          await h.flush();
          const bad: number[] = [];
          await Promise.all(bufs.map((_, l) => lanes(l, async (i, b) => {
            await h.read(off(i), b);
            if (!same(b, pattern(i, 4096))) bad.push(i);
          })));
          return bad;
        });
        expect(got.sentinelRan).toBe(false);
        expect(got.result).toEqual([]);
        for (const i of [0, 17, N - 1]) expect(same(readImage(image, off(i), 4096), pattern(i, 4096))).toBe(true);
        const st = h.stats();
        expect([st.writes, st.reads, st.flushes, st.bounced, st.errors]).toEqual([N, N, 1, 0, 0]);
      } finally {
        await h.close();
      }
    });
  });
});
