/**
 * The completion pump of a direct handle: while IO is in flight it submits what callers queued,
 * polls the queue and settles what completed. After a round that completed something it yields
 * one microtask (the callers' reactions queue their next IOs, which go out together in the next
 * round, under one plug), or a macrotask when the JS thread has not reached the event loop for
 * YIELD_MS (timers and IO callbacks keep running). When a poll finds nothing it sleeps in the
 * driver's async wait — for the io_uring drivers the event loop's own wait on the ring: no thread,
 * no spinning — and what callers queue meanwhile goes out at the end of their tick (the engine's
 * flush), not when the pump wakes.
 */
import { blkMqPoll, blkMqWaitAsync } from '@biopath/block';
import { YIELD_MS } from './direct-engine.ts';
import type { DirectEngine } from './direct-engine.ts';
import { warnOnOnce } from './native.ts';

const yieldMacrotask = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

async function pump(d: DirectEngine): Promise<void> {
  d.pumping = true;
  try {
    for (;;) {
      if (d.npending > 0) d.submitPending();
      if (d.inflight === 0) break;
      if (blkMqPoll(d.s.q) === 0 && d.ndone === 0) {
        d.sleeping = true;
        try {
          await blkMqWaitAsync(d.s.q);
        } finally {
          d.sleeping = false;
        }
      }
      if (d.ndone > 0) d.settleDone();
      if (d.inflight === 0 && d.npending === 0) break;
      if (performance.now() - d.lastYield < YIELD_MS) await null;
      else {
        await yieldMacrotask();
        d.lastYield = performance.now();
      }
    }
  } finally {
    d.pumping = false;
  }
  if (d.npending > 0) d.submitPending();
}

function pumpFailed(e: unknown): void {
  warnOnOnce(true, `blockdev: the completion pump failed: ${(e as Error).message}`);
}

/** Start `d`'s pump (the engine calls it when IO is in flight and no pump runs). */
export function startPump(d: DirectEngine): void {
  pump(d).catch(pumpFailed);
}
