/**
 * Test-only null driver (until @biopath/nvme's lands on main): completes requests on the next
 * poll (or inline in queueRq), optionally stores data like null_blk memory_backed, and lets a test
 * inject busy answers, errors and hung requests.
 */
import {
  BLK_STS_OK, BLK_STS_TIMEOUT, REQ_OP_READ, REQ_OP_WRITE, SgTable, blkMqAllocTagSet, blkMqEndRequest, blkRqMapSg,
  blkRqPos, reqOp,
} from '@biopath/block';
import type { BlkMqHwCtx, BlkMqOps, BlkMqTagSet, QueueLimits, Request } from '@biopath/block';

export interface NullDriverOpts {
  sizeBytes?: number;
  queueDepth?: number;
  limits?: Partial<QueueLimits>;
  /** 'poll': complete on the next poll/wait (default); 'inline': inside queueRq. */
  complete?: 'poll' | 'inline';
  /** Keep written data and return it on reads. */
  memoryBacked?: boolean;
  /** Per request: a BLK_STS_* to answer queueRq with (busy or error), 'hold' to never complete, or undefined. */
  inject?: (rq: Request, nth: number) => number | 'hold' | 'fail' | undefined;
  /** Status to complete 'fail' requests with. */
  failStatus?: number;
}

export interface TestDriver {
  set: BlkMqTagSet;
  limits: Partial<QueueLimits>;
  sizeBytes: number;
  close(): void;
  /** Requests queued, completed, and queueRq calls that answered busy/error. */
  stats: { queued: number; completed: number; refused: number; held: Request[]; lastFlags: boolean[]; commits: number };
}

export function createTestNullDriver(opts: NullDriverOpts = {}): TestDriver {
  const sizeBytes = opts.sizeBytes ?? 64 << 20;
  const store = opts.memoryBacked ? new Uint8Array(sizeBytes) : null;
  const done: Request[] = [];
  const doneStatus: number[] = [];
  const sg = new SgTable(1024);
  const stats = { queued: 0, completed: 0, refused: 0, held: [] as Request[], lastFlags: [] as boolean[], commits: 0 };
  let nth = 0;
  const xfer = (rq: Request): void => {
    if (store === null) return;
    const op = reqOp(rq.cmd_flags);
    if (op !== REQ_OP_READ && op !== REQ_OP_WRITE) return;
    const n = blkRqMapSg(rq, sg);
    let pos = blkRqPos(rq) * 512;
    const mem = rq.q.mem;
    for (let i = 0; i < n; i++) {
      const at = (sg.iova[i] - mem.region.iova);
      if (op === REQ_OP_WRITE) store.set(mem.bytes.subarray(at, at + sg.len[i]), pos);
      else mem.bytes.set(store.subarray(pos, pos + sg.len[i]), at);
      pos += sg.len[i];
    }
  };
  const finish = (rq: Request, sts: number): void => {
    stats.completed++;
    blkMqEndRequest(rq, sts);
  };
  const reap = (): number => {
    let n = 0;
    while (done.length > 0) {
      const rq = done.shift()!;
      finish(rq, doneStatus.shift()!);
      n++;
    }
    return n;
  };
  const ops: BlkMqOps = {
    queueRq(_h: BlkMqHwCtx, rq: Request, last: boolean): number {
      const inj = opts.inject?.(rq, nth++);
      if (typeof inj === 'number' && inj !== BLK_STS_OK) {
        stats.refused++;
        return inj;
      }
      stats.queued++;
      stats.lastFlags.push(last);
      if (inj === 'hold') {
        stats.held.push(rq);
        return BLK_STS_OK;
      }
      const sts = inj === 'fail' ? opts.failStatus ?? 10 : BLK_STS_OK;
      if (sts === BLK_STS_OK) xfer(rq);
      if (opts.complete === 'inline') finish(rq, sts);
      else {
        done.push(rq);
        doneStatus.push(sts);
      }
      return BLK_STS_OK;
    },
    commitRqs(): void {
      stats.commits++;
    },
    poll: () => reap(),
    wait: () => reap(),
    timeout(rq: Request): 'done' | 'reset-timer' {
      const i = stats.held.indexOf(rq);
      if (i < 0) return 'reset-timer';
      stats.held.splice(i, 1);
      finish(rq, BLK_STS_TIMEOUT);
      return 'done';
    },
  };
  const set = blkMqAllocTagSet({ ops, queue_depth: opts.queueDepth ?? 32, timeout_ms: 1000 });
  return { set, limits: opts.limits ?? {}, sizeBytes, stats, close: () => undefined };
}
