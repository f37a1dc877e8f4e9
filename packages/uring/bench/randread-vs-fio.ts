// biopath's io_uring vs fio's io_uring engine, same loop device, same job, alternating runs:
// 4 KiB random O_DIRECT reads at QD 1, 32 and 128. Prints IOPS, p50/p99 latency and CPU µs per
// IO for both, with ratios (median of the repetitions). Needs root (loop device) and fio.
// Usage: npx tsx packages/uring/bench/randread-vs-fio.ts [--runtime 5] [--reps 3] [--size-mib 1024] [--json out.json]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { attachLoop, createImage, detachLoop, removeImage } from '@biopath/testing';
import { runRandRead } from './randread.ts';

const { values: o } = parseArgs({
  options: {
    runtime: { type: 'string', default: '5' }, reps: { type: 'string', default: '3' },
    'size-mib': { type: 'string', default: '1024' }, json: { type: 'string' }, qd: { type: 'string', default: '1,32,128' },
    fixed: { type: 'boolean', default: false },
  },
});
const RT = Number(o.runtime), REPS = Number(o.reps), QDS = o.qd!.split(',').map(Number);

interface Sample { iops: number; p50us: number; p99us: number; cpuUsPerIo: number }

function fio(dev: string, qd: number): Sample {
  const out = execFileSync('fio', [
    '--name=rr', `--filename=${dev}`, '--ioengine=io_uring', '--direct=1', '--rw=randread', '--bs=4k', `--iodepth=${qd}`,
    '--time_based', `--runtime=${RT}`, '--ramp_time=1', '--norandommap', '--randrepeat=0', '--output-format=json',
    ...(o.fixed ? ['--fixedbufs=1'] : []),
  ], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const j = JSON.parse(out.slice(out.indexOf('{'))).jobs[0];
  const r = j.read;
  const cpuUs = ((j.usr_cpu + j.sys_cpu) / 100) * j.job_runtime * 1000;
  return { iops: r.iops, p50us: r.clat_ns.percentile['50.000000'] / 1e3, p99us: r.clat_ns.percentile['99.000000'] / 1e3, cpuUsPerIo: cpuUs / r.total_ios };
}

function ours(dev: string, qd: number): Sample {
  const r = runRandRead({ path: dev, bs: 4096, iodepth: qd, runtimeMs: RT * 1000, rampMs: 1000, fixed: o.fixed });
  return { iops: r.iops, p50us: r.latNs.p50 / 1e3, p99us: r.latNs.p99 / 1e3, cpuUsPerIo: r.cpuUsPerIo };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const med = (s: Sample[], k: keyof Sample): number => median(s.map((x) => x[k]));

const img = createImage(Number(o['size-mib']) << 20);
const dev = attachLoop(img);
const rows: Record<string, unknown>[] = [];
try {
  console.log(`fio ${execFileSync('fio', ['--version'], { encoding: 'utf8' }).trim()} vs biopath on ${dev} (direct-io=on), ${RT}s x ${REPS} reps, alternating`);
  for (const qd of QDS) {
    const a: Sample[] = [], b: Sample[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      // alternate who goes first so drift in the machine hits both sides
      if (rep % 2 === 0) { a.push(ours(dev, qd)); b.push(fio(dev, qd)); } else { b.push(fio(dev, qd)); a.push(ours(dev, qd)); }
    }
    rows.push({
      qd, 'biopath IOPS': Math.round(med(a, 'iops')), 'fio IOPS': Math.round(med(b, 'iops')),
      'IOPS ratio': +(med(a, 'iops') / med(b, 'iops')).toFixed(3),
      'p50 µs (b/f)': `${med(a, 'p50us').toFixed(0)}/${med(b, 'p50us').toFixed(0)}`,
      'p99 µs (b/f)': `${med(a, 'p99us').toFixed(0)}/${med(b, 'p99us').toFixed(0)}`,
      'CPU µs/IO (b/f)': `${med(a, 'cpuUsPerIo').toFixed(2)}/${med(b, 'cpuUsPerIo').toFixed(2)}`,
      'CPU ratio': +(med(a, 'cpuUsPerIo') / med(b, 'cpuUsPerIo')).toFixed(3),
      samples: { biopath: a, fio: b },
    });
  }
} finally {
  detachLoop(dev);
  removeImage(img);
}
console.table(rows.map(({ samples: _s, ...r }) => r));
if (o.json) writeFileSync(o.json, JSON.stringify(rows, null, 2));
