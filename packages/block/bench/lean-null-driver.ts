/**
 * The benchmark's null driver: accepts every request and completes it on the next poll, with a
 * tag ring (no allocation, no per-IO bookkeeping beyond one store) — the cost of the stack alone.
 */
import { BLK_STS_OK, blkMqAllocTagSet, blkMqEndRequest } from '@biopath/block';
import type { BlkMqOps, BlkMqTagSet, Request } from '@biopath/block';

export function createLeanNullDriver(queueDepth: number): { set: BlkMqTagSet; sizeBytes: number } {
  const ring: Request[] = new Array(queueDepth * 2);
  let head = 0;
  let tail = 0;
  const mask = queueDepth * 2;
  const reap = (): number => {
    let n = 0;
    const end = tail;
    while (head !== end) {
      const rq = ring[head];
      head = head + 1 === mask ? 0 : head + 1;
      blkMqEndRequest(rq, BLK_STS_OK);
      n++;
    }
    return n;
  };
  const ops: BlkMqOps = {
    queueRq(_h, rq) {
      ring[tail] = rq;
      tail = tail + 1 === mask ? 0 : tail + 1;
      return BLK_STS_OK;
    },
    poll: reap,
    wait: reap,
  };
  return { set: blkMqAllocTagSet({ ops, queue_depth: queueDepth }), sizeBytes: 64 * 2 ** 30 };
}
