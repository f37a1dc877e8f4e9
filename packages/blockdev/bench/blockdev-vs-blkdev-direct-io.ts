/**
 * CPU per IO of @biopath/blockdev against driving block's blkdevDirectIO directly, in the same run:
 * 4 KiB random O_DIRECT reads, QD32, strategy pin (UBUF over user memory, FOLL_PIN), on the null
 * driver (the stack alone) and on a loop device (bdev driver). Runs alternate (raw, blockdev /
 * blockdev, raw, …); CPU from process.cpuUsage() (user + system, every thread of the process).
 *
 *   raw:      32 preallocated kiocbs + UBUF iterators, resubmitted in batches under a BlkPlug,
 *             completions by blkMqPoll / blkMqWaitOnce (a blocking wait) — the stack engine's loop.
 *   blockdev: 32 async callers, each `await h.read(offset, buf)` in a loop on an allocBuffer
 *             buffer (zero-copy); batching, plugging and the completion pump are the handle's.
 *
 * Usage: npx tsx packages/blockdev/bench/blockdev-vs-blkdev-direct-io.ts [--runtime S] [--reps N] [--part null|loop|all]
 *        [--side raw|blockdev] (one side only, for `node --cpu-prof`; no ratio)
 * (loop needs root).
 */
import {
  BlkPlug, EIOCBQUEUED, Kiocb, bdevCreate, blkFinishPlug, blkMqDestroyQueue, blkMqInitQueue, blkMqPoll, blkMqWaitOnce, blkStartPlug, blkdevDirectIO,
} from '@biopath/block';
import { ITER_DEST, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import { MmStruct, createMemMap, destroyMemMap } from '@biopath/mm';
import { createBdevDriver, createNullDriver } from '@biopath/nvme';
import type { BlkDriver } from '@biopath/nvme';
import { openBlockDevice } from '@biopath/blockdev';
import { withLoopDevice } from '@biopath/testing';

const QD = 32, BS = 4096;
const args = process.argv.slice(2);
const arg = (name: string, d: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : d;
};
const RUNTIME_MS = Number(arg('runtime', '2')) * 1000;
const REPS = Number(arg('reps', '5'));
const PART = arg('part', 'all');
const SIDE = arg('side', 'both');

interface Result { ios: number; cpuUs: number; wallMs: number; sysUs: number }

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

type Target = { kind: 'null'; size: number } | { kind: 'loop'; path: string; size: number };

function openDriver(t: Target, mem: ReturnType<typeof createMemMap>): BlkDriver {
  if (t.kind === 'null') return createNullDriver({ sizeBytes: t.size, queueDepth: QD, irqmode: 'poll', memoryBacked: false });
  return createBdevDriver({ path: t.path, mem, queueDepth: QD, readOnly: true });
}

/** Driving blkdevDirectIO directly: the stack engine's loop. */
function runRaw(t: Target): Result {
  const mem = createMemMap({ nrPages: 4096, profile: 'merged' });
  const mm = new MmStruct(mem);
  const drv = openDriver(t, mem);
  const q = blkMqInitQueue(drv.set, drv.limits, mem);
  const bdev = bdevCreate(q, drv.sizeBytes, 'bench', true);
  const ubuf = mm.mmap(QD * BS);
  mm.write(ubuf, new Uint8Array(QD * BS));
  const pages = Math.floor(drv.sizeBytes / BS), next = rng(7);
  const done: number[] = [];
  const plug = new BlkPlug();
  const ks: Kiocb[] = [], its = Array.from({ length: QD }, () => createIovIter());
  for (let i = 0; i < QD; i++) {
    const k = new Kiocb();
    k.ki_bdev = bdev;
    k.ki_data = i;
    k.ki_complete = (kk) => { done.push(kk.ki_data as number); };
    ks.push(k);
  }
  const submit = (i: number): void => {
    ks[i]!.ki_pos = (next() % pages) * BS;
    iovIterUbuf(its[i]!, ITER_DEST, mm, ubuf + i * BS, BS);
    if (blkdevDirectIO(ks[i]!, its[i]!) !== EIOCBQUEUED) throw new Error('raw: IO not queued');
  };
  let ios = 0;
  const c0 = process.cpuUsage(), t0 = performance.now(), end = t0 + RUNTIME_MS;
  blkStartPlug(plug);
  for (let i = 0; i < QD; i++) submit(i);
  blkFinishPlug(plug);
  let running = true;
  while (running || ios < 0) {
    if (blkMqPoll(q) === 0 && done.length === 0) blkMqWaitOnce(q);
    running = performance.now() < end;
    const n = done.length;
    ios += n;
    if (running) {
      blkStartPlug(plug);
      for (let j = 0; j < n; j++) submit(done[j]!);
      blkFinishPlug(plug);
    }
    done.length = 0;
  }
  const wallMs = performance.now() - t0, c = process.cpuUsage(c0);
  while (blkMqWaitOnce(q) >= 0) { /* drain */ }
  blkMqDestroyQueue(q);
  drv.close();
  mm.exit();
  destroyMemMap(mem);
  return { ios, cpuUs: c.user + c.system, wallMs, sysUs: c.system };
}

/** The same reads through @biopath/blockdev: 32 callers awaiting one promise each. */
async function runBlockdev(t: Target): Promise<Result> {
  const h = t.kind === 'null'
    ? openBlockDevice(t.size, { driver: 'null', nullMemoryBacked: false, queueDepth: QD, memory: 4096 * 4096 })
    : openBlockDevice(t.path, { queueDepth: QD, readOnly: true, memory: 4096 * 4096 });
  const pages = Math.floor(h.stat().size / BS), next = rng(7);
  let ios = 0, running = true;
  const bufs = Array.from({ length: QD }, () => h.allocBuffer(BS));
  const c0 = process.cpuUsage(), t0 = performance.now(), end = t0 + RUNTIME_MS;
  const timer = setInterval(() => { if (performance.now() >= end) running = false; }, 5);
  const caller = async (i: number): Promise<void> => {
    const buf = bufs[i]!;
    while (running) {
      await h.read((next() % pages) * BS, buf);
      ios++;
    }
  };
  await Promise.all(bufs.map((_, i) => caller(i)));
  clearInterval(timer);
  const wallMs = performance.now() - t0, c = process.cpuUsage(c0);
  if (h.stats().bounced !== 0) throw new Error('blockdev: an allocBuffer read was bounced');
  await h.close();
  return { ios, cpuUs: c.user + c.system, wallMs, sysUs: c.system };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function part(name: string, t: Target): Promise<void> {
  if (SIDE !== 'both') {
    for (let r = 0; r < REPS; r++) {
      const res = SIDE === 'raw' ? runRaw(t) : await runBlockdev(t);
      console.log(`${name} ${SIDE} rep ${r + 1}: ${(res.cpuUs / res.ios).toFixed(3)} µs/IO (system ${(res.sysUs / res.ios).toFixed(3)}), ${Math.round(res.ios / (res.wallMs / 1000))} IOPS`);
    }
    return;
  }
  await runBlockdev(t); runRaw(t); // warm-up (JIT), not counted
  const raw: number[] = [], bd: number[] = [], ratios: number[] = [], rawIops: number[] = [], bdIops: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const order = r % 2 === 0 ? ['raw', 'blockdev'] : ['blockdev', 'raw'];
    let a = 0, b = 0;
    for (const o of order) {
      const res = o === 'raw' ? runRaw(t) : await runBlockdev(t);
      const us = res.cpuUs / res.ios, iops = res.ios / (res.wallMs / 1000);
      if (o === 'raw') { a = us; raw.push(us); rawIops.push(iops); } else { b = us; bd.push(us); bdIops.push(iops); }
    }
    ratios.push(b / a);
    console.log(`${name} rep ${r + 1} (${order.join(' then ')}): raw ${a.toFixed(3)} µs/IO, blockdev ${b.toFixed(3)} µs/IO, ratio ${(b / a).toFixed(3)}`);
  }
  console.log(`${name}: CPU µs per IO median raw ${median(raw).toFixed(3)} (${Math.round(median(rawIops))} IOPS), blockdev ${median(bd).toFixed(3)} (${Math.round(median(bdIops))} IOPS); median per-pair ratio ${median(ratios).toFixed(3)} (goal ≤ 1.10)`);
}

if (PART === 'null' || PART === 'all') await part('null', { kind: 'null', size: 1 << 30 });
if (PART === 'loop' || PART === 'all') {
  await withLoopDevice(256 << 20, async (dev) => part('loop', { kind: 'loop', path: dev, size: 256 << 20 }));
}
