// A ring's watch (`NativeRingHandle.watch`) runs its callback on this thread's event loop when the
// ring has completions: the loop's own epoll waits on the ring fd (or on an eventfd registered with
// the ring, which DEFER_TASKRUN rings need), so no threadpool thread waits — the callback comes
// with every threadpool thread blocked. After unwatch() or close() it never runs again, even with
// completions pending; a worker that exits with a watched ring exits cleanly and leaks no fd.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { arenaCreate, arenaFree, BiopathError } from '../src/index.ts';
import type { ArenaRegion, RingSetup } from '../src/index.ts';
import { biopathFds, withThreadpoolBlocked } from '@biopath/testing';
import { OP, RawRing, collectGarbage } from './fixtures/raw-ring.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

const flavours: Record<string, { setup: RingSetup; eventfd: boolean }> = {
  'ring fd': { setup: { entries: 8 }, eventfd: false },
  'eventfd, DEFER_TASKRUN': { setup: { entries: 8, singleIssuer: true, deferTaskrun: true }, eventfd: true },
};

/** A ring with one 1-byte READ of its own FIFO in flight: it completes when `feed()` writes a byte. */
function pendingFifoRead(setup: RingSetup): { ring: RawRing; buf: ArenaRegion; feed: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'biopath-fifo-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  const fifo = openSync(join(dir, 'fifo'), constants.O_RDWR | constants.O_NONBLOCK);
  const buf = arenaCreate(4096);
  const ring = new RawRing(setup);
  cleanups.push(() => closeSync(fifo), () => arenaFree(buf.id), () => ring.close());
  ring.stage({ op: OP.READ, fd: fifo, addr: buf.iova, len: 1, off: -1 >>> 0, userData: 77 });
  expect(ring.submit()).toEqual([]); // nothing to read yet: the READ waits in the kernel
  return { ring, buf, feed: () => writeSync(fifo, 'z') };
}

describe.each(Object.keys(flavours))('watch on the %s', (flavour) => {
  const { setup, eventfd } = flavours[flavour]!;

  it('calls back on this thread when the IO completes, with every threadpool thread blocked', async () => {
    const { ring, buf, feed } = pendingFifoRead(setup);
    {
      const statuses: number[] = [];
      const got = await withThreadpoolBlocked(async () => {
        const woke = new Promise<void>((resolve) => ring.h.watch((status) => {
          statuses.push(status);
          resolve();
        }, eventfd));
        ring.h.watchRef(true);
        feed();
        await woke;
        return ring.reap();
      });
      expect(got.sentinelRan).toBe(false); // the pool really was blocked while we waited
      expect(got.result).toEqual([{ userData: 77, res: 1 }]);
      expect(statuses[0]).toBe(0);
      expect(new Uint8Array(buf.buffer)[0]).toBe('z'.charCodeAt(0));
    }
  });

  it.each(['unwatch', 'close'] as const)('never calls back after %s(), though the completion is pending', async (how) => {
    {
      // the control: the same steps with the watch left on call back within the same loop turns
      const control = pendingFifoRead(setup);
      const { ring, feed } = pendingFifoRead(setup);
      let controlCalls = 0;
      control.ring.h.watch(() => { controlCalls++; control.ring.reap(); }, eventfd);
      control.feed();
      await turns(3);
      expect(controlCalls).toBeGreaterThan(0);

      let calls = 0;
      ring.h.watch(() => { calls++; }, eventfd);
      feed();
      if (how === 'unwatch') ring.h.unwatch();
      else ring.close();
      await turns(3);
      expect(calls).toBe(0);
      if (how === 'unwatch') expect(ring.reap()).toEqual([{ userData: 77, res: 1 }]);
    }
  });

  it('refuses a second watch (EBUSY), a watch on a closed ring (EBADFD), and watches again after unwatch()', () => {
    const ring = new RawRing(setup);
    cleanups.push(() => ring.close());
    ring.h.watch(() => {}, eventfd);
    expect(() => ring.h.watch(() => {}, eventfd)).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    ring.h.unwatch();
    ring.h.unwatch(); // idempotent
    ring.h.watch(() => {}, eventfd);
    ring.close();
    expect(() => ring.h.watch(() => {}, eventfd)).toThrow(BiopathError);
    expect(() => ring.h.watch(() => {}, eventfd)).toThrow(expect.objectContaining({ code: 'EBADFD' }));
    ring.h.watchRef(true); // no-op on a closed ring
  });

  it('a watched ring that is garbage-collected without close() ends its watch and closes its fds', async () => {
    const before = biopathFds().length;
    ((): void => {
      const ring = new RawRing(setup); // left to the garbage collector, not closed
      ring.h.watch(() => {}, eventfd);
      ring.h.watchRef(true); // a leaked referenced watch would keep the test process alive
    })();
    expect(biopathFds().length).toBeGreaterThan(before);
    await collectGarbage();
    expect(biopathFds().length).toBe(before);
  });

  it.each([false, true])('a worker that leaves its ring watched (referenced: %s) exits, and its fds go with it', async (ref) => {
    const w = new Worker(new URL('./fixtures/ring-watch-worker.mjs', import.meta.url), { workerData: { ref, eventfd } });
    const exited = once(w, 'exit');
    await once(w, 'message');
    // unreferenced: the worker's loop has nothing else, so it ends by itself; referenced: the
    // watch keeps it alive (as a pending wait should) until it is terminated
    if (ref) await w.terminate();
    const [code] = await exited as [number];
    expect(code).toBe(ref ? 1 : 0);
  });
});
