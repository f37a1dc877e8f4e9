/**
 * The measured loop: `qd` 4 KiB random direct reads kept in flight through the whole stack
 * (iov_iter → extraction → bio → request → driver). Every slot owns a preallocated Kiocb, iterator
 * and buffer; completions are resubmitted in batches under a plug. Latency: HDR histogram of
 * submit-batch to completion-batch time. CPU: process.cpuUsage().
 */
import * as hdr from 'hdr-histogram-js';
import {
  BlkPlug, EIOCBQUEUED, Kiocb, blkFinishPlug, blkMqPoll, blkMqWaitOnce, blkStartPlug, blkdevDirectIO,
  type BlockDevice,
} from '@biopath/block';
import { ITER_DEST, createIovIter, iovIterKvec, iovIterUbuf, type IovIter, type Kvec } from '@biopath/iov-iter';
import { type MmStruct, allocPages, pageAddress, putPage } from '@biopath/mm';

export type Strategy = 'pin' | 'get' | 'list';

export interface StackResult {
  iops: number;
  p50us: number;
  p99us: number;
  cpuUsPerIo: number;
  ios: number;
}

export interface StackJob {
  bdev: BlockDevice;
  mm: MmStruct;
  strategy: Strategy;
  qd: number;
  runtimeMs: number;
  rampMs: number;
  /** Block in the driver when nothing completed (real device) instead of spinning. */
  blocking: boolean;
}

const BS = 4096;

class StackRunner {
  readonly kiocbs: Kiocb[] = [];
  readonly iters: IovIter[] = [];
  readonly kvecs: Kvec[][] = [];
  readonly pfns: number[] = [];
  readonly free: Int32Array;
  nfree = 0;
  readonly start: Float64Array;
  /** Doubles live in typed arrays: a double in a closure or field written per IO is a heap box. */
  readonly clock = new Float64Array(2); // [0] completion stamp, [1] start of the current run
  readonly rng = new Uint32Array([0x9e3779b9]);
  stamped = false;
  /** Completions of one submit batch share a start time: record them with one histogram call. */
  runCount = 0;
  measuring = false;
  ios = 0;
  bad = 0;
  readonly hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e9, numberOfSignificantValueDigits: 3 });
  readonly plug = new BlkPlug();
  readonly blocks: number;
  readonly ubuf: number;

  constructor(readonly job: StackJob) {
    this.free = new Int32Array(job.qd);
    this.start = new Float64Array(job.qd);
    this.blocks = Math.floor(job.bdev.bd_nr_sectors / 8);
    this.ubuf = job.strategy === 'list' ? 0 : job.mm.mmap(job.qd * BS);
    if (this.ubuf !== 0) job.mm.write(this.ubuf, new Uint8Array(job.qd * BS));
    const complete = (k: Kiocb, ret: number): void => this.complete(k, ret);
    for (let i = 0; i < job.qd; i++) {
      const k = new Kiocb();
      k.ki_bdev = job.bdev;
      k.ki_data = i;
      k.ki_complete = complete;
      this.kiocbs.push(k);
      this.iters.push(createIovIter());
      if (job.strategy === 'list') {
        const pfn = allocPages(job.mm.mem, 0);
        this.pfns.push(pfn);
        this.kvecs.push([{ iov_base: pageAddress(job.mm.mem, pfn), iov_len: BS }]);
      }
      this.free[this.nfree++] = i;
    }
  }

  complete(k: Kiocb, ret: number): void {
    if (ret !== BS) this.bad = ret;
    const slot = k.ki_data as number;
    this.free[this.nfree++] = slot;
    if (!this.measuring) return;
    if (!this.stamped) {
      this.flushRun();
      this.clock[0] = performance.now();
      this.stamped = true;
    }
    this.ios++;
    if (this.runCount > 0 && this.start[slot] !== this.clock[1]) this.flushRun();
    this.clock[1] = this.start[slot];
    this.runCount++;
  }

  /** Record the pending run of completions that share a start time. */
  flushRun(): void {
    if (this.runCount === 0) return;
    this.hist.recordValueWithCount(Math.max(1, Math.round((this.clock[0] - this.clock[1]) * 1e6)), this.runCount);
    this.runCount = 0;
  }

  /** Resubmit every free slot under one plug (one driver batch). */
  submitFree(): void {
    const { job, mm } = { job: this.job, mm: this.job.mm };
    blkStartPlug(this.plug);
    const t = performance.now();
    while (this.nfree > 0) {
      const slot = this.free[--this.nfree];
      let x = this.rng[0];
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      this.rng[0] = x;
      const k = this.kiocbs[slot];
      k.ki_pos = (x % this.blocks) * BS;
      const it = this.iters[slot];
      if (job.strategy === 'list') iovIterKvec(it, ITER_DEST, mm.mem, this.kvecs[slot], 1, BS);
      else iovIterUbuf(it, ITER_DEST, mm, this.ubuf + slot * BS, BS);
      this.start[slot] = t;
      const r = blkdevDirectIO(k, it);
      if (r !== EIOCBQUEUED) throw new Error(`blkdevDirectIO returned ${r}`);
    }
    blkFinishPlug(this.plug);
  }

  run(): StackResult {
    const { job } = this;
    const q = job.bdev.bd_queue;
    const t0 = performance.now();
    const measureFrom = t0 + job.rampMs;
    const end = measureFrom + job.runtimeMs;
    let cpu = process.cpuUsage();
    let tm = -1;
    this.submitFree();
    for (;;) {
      this.stamped = false;
      if (job.blocking) blkMqWaitOnce(q);
      else blkMqPoll(q);
      const now = performance.now();
      this.flushRun();
      if (tm < 0 && now >= measureFrom) {
        this.measuring = true; cpu = process.cpuUsage(); tm = now; this.ios = 0; this.hist.reset();
      }
      if (now < end) this.submitFree();
      else if (this.measuring) {
        this.measuring = false;
        tm = now - tm;
        cpu = process.cpuUsage(cpu);
      } else if (this.nfree === job.qd) break;
    }
    return this.result(tm, cpu.user + cpu.system);
  }

  result(ms: number, cpuUs: number): StackResult {
    if (this.bad !== 0) throw new Error(`an IO returned ${this.bad}`);
    for (const pfn of this.pfns) putPage(this.job.mm.mem, pfn);
    if (this.ubuf !== 0) this.job.mm.munmap(this.ubuf, this.job.qd * BS);
    const h = this.hist;
    return {
      iops: (this.ios / ms) * 1000, p50us: h.getValueAtPercentile(50) / 1e3, p99us: h.getValueAtPercentile(99) / 1e3,
      cpuUsPerIo: cpuUs / this.ios, ios: this.ios,
    };
  }
}

export function runStack(job: StackJob): StackResult {
  return new StackRunner(job).run();
}
