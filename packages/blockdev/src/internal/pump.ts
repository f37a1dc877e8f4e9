/**
 * The completion pump of a direct handle: while IO is in flight it polls the queue, settles what
 * completed and submits what callers queued meanwhile. After a productive poll it yields one
 * microtask (so the callers' reactions queue their next IOs, which go out in the same round) and a
 * macrotask at least every YIELD_MS (timers and IO callbacks keep running); after SPIN_ROUNDS idle
 * polls it sleeps in the driver's async wait, off the JS thread. While that wait is pending the
 * ring is borrowed, so new requests stay queued until it returns (a completion is what ends it).
 */
import { blkMqPoll, blkMqWaitAsync } from '@biopath/block';
import { YIELD_MS } from './direct-engine.ts';
import type { DirectEngine } from './direct-engine.ts';
import { warnOnOnce } from './native.ts';

/** Idle polls (one macrotask each) before sleeping in the driver. */
export const SPIN_ROUNDS = 16;

const yieldMacrotask = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

async function sleepInDriver(d: DirectEngine): Promise<void> {
  d.waiting = true;
  try {
    await blkMqWaitAsync(d.s.q);
  } finally {
    d.waiting = false;
  }
}

async function pump(d: DirectEngine): Promise<void> {
  d.pumping = true;
  let idle = 0;
  try {
    for (;;) {
      if (d.npending > 0) d.submitPending();
      if (d.inflight === 0) break;
      const n = blkMqPoll(d.s.q);
      if (d.ndone > 0) d.settleDone();
      if (d.inflight === 0 && d.npending === 0) break;
      idle = n > 0 ? 0 : idle + 1;
      if (idle === 0 && performance.now() - d.lastYield < YIELD_MS) await null;
      else if (idle < SPIN_ROUNDS) {
        await yieldMacrotask();
        d.lastYield = performance.now();
      } else {
        await sleepInDriver(d);
        if (d.ndone > 0) d.settleDone();
        idle = 0;
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
