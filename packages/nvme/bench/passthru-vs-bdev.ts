// NVMe passthrough vs the block path, through the whole biopath stack (bio → blk-mq → driver), on
// one NVMe namespace: the `nvme` driver (URING_CMD on /dev/ngXnY) against the `bdev` driver
// (O_DIRECT io_uring READ on /dev/nvmeXnY), 4 KiB random reads at QD 1/32/128, alternating
// rounds, medians; plus fio's io_uring_cmd engine (ng) and io_uring engine (block device) on the
// same namespace in the same run, when fio is installed. Meant for the QEMU NVMe guest:
//   tools/qemu-nvme/run.sh -- npx tsx packages/nvme/bench/passthru-vs-bdev.ts
// Usage: passthru-vs-bdev.ts [--runtime 2] [--reps 3] [--qd 1,32,128] [--span-mib 64] [--json out.json]
// (one untimed warm-up round per side runs first)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REQ_OP_READ, bdevCreate, bioAddPage, bioAlloc, bioPut, blkMqDestroyQueue, blkMqDrain, blkMqInitQueue, blkMqWaitOnce, submitBio } from '@biopath/block';
import type { Bio, BlockDevice } from '@biopath/block';
import { allocPages, createMemMap, destroyMemMap } from '@biopath/mm';
import type { MemMap } from '@biopath/mm';
import { createBdevDriver, createNvmeDriver } from '@biopath/nvme';
import type { BlkDriver } from '@biopath/nvme';
import { probe } from '@biopath/testing';

const { values: o } = parseArgs({
  options: {
    runtime: { type: 'string', default: '2' }, reps: { type: 'string', default: '3' }, qd: { type: 'string', default: '1,32,128' },
    'span-mib': { type: 'string', default: '64' }, json: { type: 'string' },
  },
});
const RT = Number(o.runtime) * 1000, REPS = Number(o.reps), QDS = o.qd!.split(',').map(Number);
const ng = probe.nvmeGenericPath();
if (!ng) throw new Error('no /dev/ngXnY: run this inside the NVMe guest (tools/qemu-nvme/run.sh)');
const blk = ng.replace('/dev/ng', '/dev/nvme');

/** Random 4 KiB reads at `qd` through `drv` for RT ms; returns IOPS. */
function runBiopath(mk: (mem: MemMap) => BlkDriver, qd: number): number {
  const mem = createMemMap({ nrPages: 256 + qd * 2 });
  const drv = mk(mem);
  const q = blkMqInitQueue(drv.set, drv.limits, mem);
  const bdev: BlockDevice = bdevCreate(q, drv.sizeBytes, drv.name);
  const spanBlocks = Math.min(Number(o['span-mib']) * 256, Math.floor(drv.sizeBytes / 4096));
  const bufs = Array.from({ length: qd }, () => allocPages(mem, 0));
  let done = 0, stop = false;
  let x = 12345;
  const submit = (slot: number): void => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const bio: Bio = bioAlloc(bdev, 1, REQ_OP_READ);
    bio.bi_iter.bi_sector = ((x >>> 4) % spanBlocks) * 8;
    bioAddPage(bio, bufs[slot]!, 4096, 0);
    bio.bi_private = slot;
    bio.bi_end_io = (b) => {
      const s = b.bi_private as number;
      if (b.bi_status !== 0) throw new Error(`read failed: status ${b.bi_status}`);
      bioPut(b);
      done++;
      if (!stop) submit(s);
    };
    submitBio(bio);
  };
  try {
    for (let i = 0; i < qd; i++) submit(i);
    const warm = performance.now() + 300;
    while (performance.now() < warm) blkMqWaitOnce(q);
    const d0 = done, t0 = performance.now();
    while (performance.now() - t0 < RT) blkMqWaitOnce(q);
    const iops = ((done - d0) * 1000) / (performance.now() - t0);
    stop = true;
    blkMqDrain(q);
    return iops;
  } finally {
    blkMqDestroyQueue(q);
    drv.close();
    destroyMemMap(mem);
  }
}

function fio(engine: 'io_uring_cmd' | 'io_uring', qd: number): number {
  const args = engine === 'io_uring_cmd'
    ? [`--filename=${ng}`, '--ioengine=io_uring_cmd', '--cmd_type=nvme']
    : [`--filename=${blk}`, '--ioengine=io_uring', '--direct=1'];
  const out = execFileSync('fio', ['--name=rr', ...args, '--rw=randread', '--bs=4k', `--iodepth=${qd}`, `--size=${o['span-mib']}m`,
    '--time_based', `--runtime=${RT / 1000}`, '--ramp_time=0.3', '--norandommap', '--randrepeat=0', '--output-format=json'],
  { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out.slice(out.indexOf('{'))).jobs[0].read.iops;
}

const hasFio = (() => { try { execFileSync('fio', ['--version']); return true; } catch { return false; } })();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sides: Record<string, (qd: number) => number> = {
  'biopath nvme': (qd) => runBiopath((mem) => createNvmeDriver({ path: ng, mem, queueDepth: Math.max(qd, 1) }), qd),
  'biopath bdev': (qd) => runBiopath((mem) => createBdevDriver({ path: blk, mem, queueDepth: Math.max(qd, 1), readOnly: true }), qd),
  ...(hasFio ? { 'fio io_uring_cmd': (qd: number) => fio('io_uring_cmd', qd), 'fio io_uring': (qd: number) => fio('io_uring', qd) } : {}),
};
console.log(`${ng} vs ${blk}: 4 KiB randread, ${RT / 1000}s x ${REPS} rounds, alternating; fio ${hasFio ? execFileSync('fio', ['--version'], { encoding: 'utf8' }).trim() : 'not installed'}`);
// one untimed round per side first: the JIT (slow under TCG) and the device settle
for (const n of Object.keys(sides)) sides[n]!(QDS[Math.floor(QDS.length / 2)]!);
const rows: Record<string, unknown>[] = [];
for (const qd of QDS) {
  const samples: Record<string, number[]> = {};
  const names = Object.keys(sides);
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? names : [...names].reverse();
    for (const n of order) (samples[n] ??= []).push(sides[n]!(qd));
  }
  const m = Object.fromEntries(names.map((n) => [n, median(samples[n]!)]));
  rows.push({
    qd, ...Object.fromEntries(names.map((n) => [n, Math.round(m[n]!)])),
    'nvme/bdev': +(m['biopath nvme']! / m['biopath bdev']!).toFixed(3),
    ...(hasFio ? {
      'fio cmd/io_uring': +(m['fio io_uring_cmd']! / m['fio io_uring']!).toFixed(3),
      'biopath nvme/fio cmd': +(m['biopath nvme']! / m['fio io_uring_cmd']!).toFixed(3),
    } : {}),
    samples,
  });
}
console.table(rows.map(({ samples: _s, ...r }) => r));
if (o.json) writeFileSync(o.json, JSON.stringify(rows, null, 2));
