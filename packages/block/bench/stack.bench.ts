// The whole stack (iov_iter → extraction → bio → request → driver) at 4 KiB random direct reads,
// QD 1/32/128, strategies pin (FOLL_PIN, profile merged), get (FOLL_GET, profile legacy) and list
// (kernel pages, KVEC, nothing taken), on
//  (a) @biopath/nvme's null driver completing on the next poll (irqmode poll, no data): the stack
//      alone (target ≥ 1,000,000 IOPS);
//  (b) a loop device through @biopath/nvme's bdev driver (io_uring), alternating with fio's io_uring
//      engine on the same device in the same run (target ≥ 0.9× fio's IOPS). Medians of the repetitions.
// --driver bdev-taskrun (default): the ring set up SINGLE_ISSUER + DEFER_TASKRUN; nvme-bdev: the
// driver's defaults. --defer-doorbell: submit at the next wait instead of at `last`.
// Usage: npx tsx packages/block/bench/stack.bench.ts [--part null|loop|both] [--runtime 3] [--reps 3]
//        [--qd 1,32,128] [--size-mib 1024] [--json out.json] [--defer-doorbell] [--driver bdev-taskrun|nvme-bdev]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { bdevCreate, blkMqDestroyQueue, blkMqInitQueue, type BlkMqTagSet, type QueueLimits } from '@biopath/block';
import { MmStruct, createMemMap, destroyMemMap, expectNoLeakedPins, snapshotPins, type MemMap, type Profile } from '@biopath/mm';
import { attachLoop, createImage, detachLoop, removeImage } from '@biopath/testing';
import { runStack, type StackResult, type Strategy } from './stack-loop.ts';
import { createBdevDriver, createNullDriver } from '@biopath/nvme';

const { values: o } = parseArgs({
  options: {
    part: { type: 'string', default: 'both' }, runtime: { type: 'string', default: '3' }, reps: { type: 'string', default: '3' },
    qd: { type: 'string', default: '1,32,128' }, 'size-mib': { type: 'string', default: '1024' }, json: { type: 'string' },
    'defer-doorbell': { type: 'boolean', default: false }, driver: { type: 'string', default: 'bdev-taskrun' },
  },
});
const RT = Number(o.runtime) * 1000;
const REPS = Number(o.reps);
const QDS = o.qd!.split(',').map(Number);
const STRATEGIES: Strategy[] = ['pin', 'get', 'list'];
/** The bdev driver rings the io_uring doorbell at the next wait (submit + wait in one io_uring_enter). */
const DEFER = o['defer-doorbell'] === true;
const PROFILE: Record<Strategy, Profile> = { pin: 'merged', get: 'legacy', list: 'merged' };

interface Driver { set: BlkMqTagSet; limits?: Partial<QueueLimits>; sizeBytes: number; close?(): void }

function stackRun(strategy: Strategy, qd: number, mkDriver: (mem: MemMap) => Driver, blocking: boolean, rampMs: number): StackResult {
  const mem = createMemMap({ nrPages: Math.max(4096, qd * 4 + 1024), profile: PROFILE[strategy] });
  const base = snapshotPins(mem);
  const drv = mkDriver(mem);
  const q = blkMqInitQueue(drv.set, drv.limits ?? {}, mem);
  const bdev = bdevCreate(q, drv.sizeBytes, 'bench');
  const mm = new MmStruct(mem);
  try {
    return runStack({ bdev, mm, strategy, qd, runtimeMs: RT, rampMs, blocking });
  } finally {
    blkMqDestroyQueue(q);
    drv.close?.();
    mm.exit();
    expectNoLeakedPins(mem, base);
    destroyMemMap(mem);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function partNull(): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const qd of QDS) {
    const res: Record<Strategy, StackResult[]> = { pin: [], get: [], list: [] };
    for (let rep = 0; rep < REPS; rep++) {
      for (const s of rep % 2 === 0 ? STRATEGIES : [...STRATEGIES].reverse()) {
        res[s].push(stackRun(s, qd, () => createNullDriver({ irqmode: 'poll', queueDepth: Math.max(qd, 1), sizeBytes: 64 * 2 ** 30 }), false, 500));
      }
    }
    for (const s of STRATEGIES) {
      const iops = median(res[s].map((r) => r.iops));
      rows.push({
        part: 'null', qd, strategy: s, IOPS: fmt(iops), 'IOPS per CPU-s': fmt(1e6 / median(res[s].map((r) => r.cpuUsPerIo))),
        'vs list': +(iops / median(res.list.map((r) => r.iops))).toFixed(3),
        'CPU µs/IO': median(res[s].map((r) => r.cpuUsPerIo)).toFixed(3), p50us: median(res[s].map((r) => r.p50us)).toFixed(1),
        p99us: median(res[s].map((r) => r.p99us)).toFixed(1), samples: res[s].map((r) => Math.round(r.iops)),
      });
    }
  }
  return rows;
}

interface FioSample { iops: number; p50us: number; p99us: number; cpuUsPerIo: number }

function fio(dev: string, qd: number): FioSample {
  const out = execFileSync('/usr/bin/fio', [
    '--name=rr', `--filename=${dev}`, '--ioengine=io_uring', '--direct=1', '--rw=randread', '--bs=4k', `--iodepth=${qd}`,
    '--time_based', `--runtime=${RT / 1000}`, '--ramp_time=1', '--norandommap', '--randrepeat=0', '--output-format=json',
  ], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const j = JSON.parse(out.slice(out.indexOf('{'))).jobs[0];
  const r = j.read;
  const cpuUs = ((j.usr_cpu + j.sys_cpu) / 100) * j.job_runtime * 1000;
  return { iops: r.iops, p50us: r.clat_ns.percentile['50.000000'] / 1e3, p99us: r.clat_ns.percentile['99.000000'] / 1e3, cpuUsPerIo: cpuUs / r.total_ios };
}

/**
 * `REPS` adjacent pairs (fio, biopath) for one strategy and depth, alternating who goes first; the
 * ratio reported is the median of the per-pair ratios, so drift of the shared machine hits both sides.
 */
function loopPairs(s: Strategy, qd: number, mk: (mem: MemMap) => Driver, dev: string): Record<string, unknown> {
  const ours: StackResult[] = [];
  const f: FioSample[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    if (rep % 2 === 0) f.push(fio(dev, qd));
    ours.push(stackRun(s, qd, mk, true, 1000));
    if (rep % 2 === 1) f.push(fio(dev, qd));
  }
  const ratio = median(ours.map((r, i) => r.iops / f[i].iops));
  return {
    part: 'loop', qd, strategy: s, IOPS: fmt(median(ours.map((r) => r.iops))), 'fio IOPS': fmt(median(f.map((x) => x.iops))),
    'vs fio': +ratio.toFixed(3),
    'CPU µs/IO (b/f)': `${median(ours.map((r) => r.cpuUsPerIo)).toFixed(2)}/${median(f.map((x) => x.cpuUsPerIo)).toFixed(2)}`,
    'p50 µs (b/f)': `${median(ours.map((r) => r.p50us)).toFixed(0)}/${median(f.map((x) => x.p50us)).toFixed(0)}`,
    'p99 µs (b/f)': `${median(ours.map((r) => r.p99us)).toFixed(0)}/${median(f.map((x) => x.p99us)).toFixed(0)}`,
    samples: { biopath: ours.map((r) => Math.round(r.iops)), fio: f.map((x) => Math.round(x.iops)) },
  };
}

function partLoop(): Record<string, unknown>[] {
  const img = createImage(Number(o['size-mib']) << 20);
  const dev = attachLoop(img);
  const rows: Record<string, unknown>[] = [];
  try {
    console.log(`${execFileSync('/usr/bin/fio', ['--version'], { encoding: 'utf8' }).trim()} vs biopath block on ${dev}`);
    const tuned = o.driver !== 'nvme-bdev';
    const mk = (qd: number) => (mem: MemMap): Driver => createBdevDriver({
      path: dev, mem, queueDepth: qd, singleIssuer: tuned, deferTaskrun: tuned, deferDoorbell: DEFER,
    });
    for (const qd of QDS) {
      for (const s of STRATEGIES) rows.push(loopPairs(s, qd, mk(qd), dev));
    }
  } finally {
    detachLoop(dev);
    removeImage(img);
  }
  return rows;
}

const rows = [...(o.part !== 'loop' ? partNull() : []), ...(o.part !== 'null' ? partLoop() : [])];
console.table(rows.map(({ samples: _s, ...r }) => r));
if (o.json) writeFileSync(o.json, JSON.stringify(rows, null, 2));
