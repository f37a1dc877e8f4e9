/**
 * The `stack` engine: each io_u goes down the biopath bio path as a direct-IO kiocb —
 * iov_iter (UBUF over an emulated process buffer for pin/get, KVEC over kernel pages for list)
 * → blkdevDirectIO → bioIovIterGetPages (pin, get or list) → blk-mq request → driver (bdev /
 * null / nvme) — under a plug per batch, like io_uring's submission. Completions come back through
 * ki_complete while getevents polls (or waits in) the queue. Pins from mm's counters; references
 * from the frames' refcounts.
 */
import { PAGE_SHIFT, PAGE_SIZE } from '@biopath/mm';
import { completionAdd, completionEvent, completionsAlloc, takeCompletions, type Completions } from './completions.ts';
import {
  BlkPlug, EIOCBQUEUED, Kiocb, blkFinishPlug, blkFlushDeferredRelease, blkMqPoll, blkMqWaitOnce, blkStartPlug, blkdevDirectIO, releaseModeFromName,
} from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterKvec, iovIterUbuf } from '@biopath/iov-iter';
import type { IovIter, Kvec } from '@biopath/iov-iter';
import type { JobOptions } from '../options/table.ts';
import type { EngineInfo, EngineSetup, IoEngine, PageCounters } from './engine.ts';
import { FIO_Q_COMPLETED, FIO_Q_QUEUED } from './io-unit.ts';
import type { IoU } from './io-unit.ts';
import { stackSetup, stackTeardown, slotKaddr } from './stack-setup.ts';
import type { StackParts, WrapDriver } from './stack-setup.ts';
import { resolveRelease, stackJobProblem } from './stack-rules.ts';

interface StackData extends Completions {
  p: StackParts;
  units: IoU[];
  kiocbs: Kiocb[];
  iters: IovIter[];
  kvecs: Kvec[][];
  plug: BlkPlug;
  plugged: boolean;
  refsTaken: number;
  refBase: Int32Array;
  info: EngineInfo;
  list: boolean;
}

function init(s: EngineSetup, wrap?: WrapDriver): StackData {
  const p = stackSetup(s, wrap);
  const list = s.job.strategy === 'list';
  const d: StackData = {
    p, kiocbs: [], iters: [], kvecs: [], plug: new BlkPlug(), plugged: false,
    ...completionsAlloc(s.units),
    refsTaken: 0, refBase: p.mem.refcount.slice(), list, info: describeJob(s.job, p),
  };
  const release = releaseModeFromName(s.job.release);
  const done = (k: Kiocb, ret: number): void => {
    completionAdd(d, k.ki_data as number, ret);
  };
  for (const io of s.units) {
    const k = new Kiocb();
    k.ki_bdev = p.bdev;
    k.ki_data = io.index;
    k.ki_complete = done;
    k.ki_release = release;
    d.kiocbs.push(k);
    d.iters.push(createIovIter());
    if (list) {
      d.kvecs.push([{ iov_base: slotKaddr(p, io.index), iov_len: 0 }]);
      const off = p.pfns[io.index]! * PAGE_SIZE;
      io.buf = p.mem.bytes.subarray(off, off + s.maxBs); // kernel pages are contiguous: IO lands in this view
    } else {
      io.addr = p.ubuf + io.index * p.stride;
      io.buf = new Uint8Array(s.maxBs); // staging copy of the user buffer, for verify only
    }
  }
  return d;
}

function describeJob(job: JobOptions, p: StackParts): EngineInfo {
  return {
    engine: 'stack', strategy: job.strategy, release: resolveRelease(job.release, p.carry, p.profile),
    buffers: p.fixed ? 'registered' : 'per-io', driver: job.driver, profile: p.profile, sqpoll: job.sqthread_poll, notes: p.notes,
  };
}

function queue(d: StackData, io: IoU): number {
  if (!d.plugged) {
    blkStartPlug(d.plug);
    d.plugged = true;
  }
  const k = d.kiocbs[io.index]!, it = d.iters[io.index]!;
  const dir = io.ddir === 0 ? ITER_DEST : ITER_SOURCE;
  k.ki_pos = io.offset;
  if (d.list) {
    const kv = d.kvecs[io.index]!;
    kv[0]!.iov_len = io.buflen;
    iovIterKvec(it, dir, d.p.mem, kv, 1, io.buflen);
  } else iovIterUbuf(it, dir, d.p.mm, io.addr, io.buflen);
  if (d.p.carry === 'reffed') d.refsTaken += ((io.addr % PAGE_SIZE) + io.buflen + PAGE_SIZE - 1) >>> PAGE_SHIFT;
  const r = blkdevDirectIO(k, it);
  if (r === EIOCBQUEUED) return FIO_Q_QUEUED;
  io.res = r;
  return FIO_Q_COMPLETED;
}

function commit(d: StackData): void {
  if (!d.plugged) return;
  d.plugged = false;
  blkFinishPlug(d.plug);
}

function getevents(d: StackData, min: number, max: number): number {
  commit(d);
  blkMqPoll(d.p.q);
  while (d.nPend < min) if (blkMqWaitOnce(d.p.q) < 0) break;
  return takeCompletions(d, max);
}

const event = (d: StackData, i: number): IoU => completionEvent(d, i);

/** References still held on frames, above what they held when the job started. */
function outstandingRefs(d: StackData): number {
  const rc = d.p.mem.refcount, base = d.refBase;
  let n = 0;
  for (let i = 0; i < base.length; i++) n += rc[i]! - base[i]!;
  return n;
}

function counters(d: StackData): PageCounters {
  blkFlushDeferredRelease(); // count what the deferred mode has recorded as released, too
  const mem = d.p.mem;
  const refs = d.p.carry === 'reffed';
  return {
    applicable: true, pins_acquired: mem.nrFollPinAcquired, pins_released: mem.nrFollPinReleased,
    refs_taken: refs ? d.refsTaken : 0, refs_released: refs ? d.refsTaken - outstandingRefs(d) : 0,
  };
}

/** The stack engine; `wrapDriver` puts a driver in front of the real one (fault injection in tests). */
export function createStackEngine(opts: { wrapDriver?: WrapDriver } = {}): IoEngine<StackData> {
  return {
    name: 'stack',
    check: stackJobProblem,
    init: (s) => init(s, opts.wrapDriver),
    queue,
    commit,
    getevents,
    event,
    cleanup: (d) => stackTeardown(d.p),
    describe: (d) => d.info,
    counters,
    syncToDevice(d, io) {
      if (!d.list) d.p.mm.write(io.addr, io.buf.subarray(0, io.buflen));
    },
    syncFromDevice(d, io) {
      if (!d.list) io.buf.set(d.p.mm.read(io.addr, io.buflen));
    },
  };
}

export const stackEngine = createStackEngine();
