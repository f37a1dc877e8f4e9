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

export function runStack(job: StackJob): StackResult {
  const { bdev, mm, qd } = job;
  const mem = mm.mem;
  const q = bdev.bd_queue;
  const blocks = Math.floor(bdev.bd_nr_sectors / 8);
  const kiocbs: Kiocb[] = [];
  const iters: IovIter[] = [];
  const kvecs: Kvec[][] = [];
  const pfns: number[] = [];
  const free = new Int32Array(qd);
  let nfree = 0;
  const start = new Float64Array(qd);
  // doubles live in typed arrays: a double in a closure variable is a heap box per write
  const clock = new Float64Array(1);
  let stamped = false;
  let measuring = false;
  let ios = 0;
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e9, numberOfSignificantValueDigits: 3 });
  let bad = 0;
  const complete = (k: Kiocb, ret: number): void => {
    if (ret !== BS) bad = ret;
    const slot = k.ki_data as number;
    free[nfree++] = slot;
    if (measuring) {
      if (!stamped) {
        clock[0] = performance.now();
        stamped = true;
      }
      ios++;
      hist.recordValue(Math.max(1, Math.round((clock[0] - start[slot]) * 1e6)));
    }
  };
  const ubuf = job.strategy === 'list' ? 0 : mm.mmap(qd * BS);
  if (ubuf !== 0) mm.write(ubuf, new Uint8Array(qd * BS));
  for (let i = 0; i < qd; i++) {
    const k = new Kiocb();
    k.ki_bdev = bdev;
    k.ki_data = i;
    k.ki_complete = complete;
    kiocbs.push(k);
    iters.push(createIovIter());
    if (job.strategy === 'list') {
      const pfn = allocPages(mem, 0);
      pfns.push(pfn);
      kvecs.push([{ iov_base: pageAddress(mem, pfn), iov_len: BS }]);
    }
    free[nfree++] = i;
  }
  const rng = new Uint32Array([0x9e3779b9]);
  const plug = new BlkPlug();
  const submitFree = (): void => {
    blkStartPlug(plug);
    const t = performance.now();
    while (nfree > 0) {
      const slot = free[--nfree];
      let x = rng[0];
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      rng[0] = x;
      const k = kiocbs[slot];
      k.ki_pos = (x % blocks) * BS;
      const it = iters[slot];
      if (job.strategy === 'list') iovIterKvec(it, ITER_DEST, mem, kvecs[slot], 1, BS);
      else iovIterUbuf(it, ITER_DEST, mm, ubuf + slot * BS, BS);
      start[slot] = t;
      const r = blkdevDirectIO(k, it);
      if (r !== EIOCBQUEUED) throw new Error(`blkdevDirectIO returned ${r}`);
    }
    blkFinishPlug(plug);
  };
  let now = performance.now();
  const t0 = now;
  const measureFrom = t0 + job.rampMs;
  const end = measureFrom + job.runtimeMs;
  let cpu0 = process.cpuUsage();
  let tm = t0;
  submitFree();
  for (;;) {
    stamped = false;
    if (job.blocking) blkMqWaitOnce(q);
    else blkMqPoll(q);
    stamped = false;
    now = performance.now();
    if (!measuring && tm === t0 && now >= measureFrom) {
      measuring = true; cpu0 = process.cpuUsage(); tm = now; ios = 0; hist.reset();
    }
    if (now < end) submitFree();
    else {
      if (measuring) {
        measuring = false;
        tm = now - tm;
        cpu0 = process.cpuUsage(cpu0);
      }
      if (nfree === qd) break;
    }
  }
  if (bad !== 0) throw new Error(`an IO returned ${bad}`);
  for (const pfn of pfns) putPage(mem, pfn);
  if (ubuf !== 0) mm.munmap(ubuf, qd * BS);
  const cpuUs = cpu0.user + cpu0.system;
  return {
    iops: (ios / tm) * 1000, p50us: hist.getValueAtPercentile(50) / 1e3, p99us: hist.getValueAtPercentile(99) / 1e3,
    cpuUsPerIo: cpuUs / ios, ios,
  };
}
