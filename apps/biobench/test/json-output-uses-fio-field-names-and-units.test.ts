import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { biobench, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());

const PERCENTILE_KEYS = ['1.000000', '5.000000', '10.000000', '20.000000', '30.000000', '40.000000', '50.000000', '60.000000',
  '70.000000', '80.000000', '90.000000', '95.000000', '99.000000', '99.500000', '99.900000', '99.950000', '99.990000'];

function expectDir(d: any, ios: 'some' | 'none'): void {
  for (const k of ['io_bytes', 'io_kbytes', 'bw_bytes', 'bw', 'iops', 'runtime', 'total_ios', 'short_ios', 'drop_ios',
    'bw_min', 'bw_max', 'bw_agg', 'bw_mean', 'bw_dev', 'bw_samples', 'iops_min', 'iops_max', 'iops_mean', 'iops_stddev', 'iops_samples']) {
    expect(typeof d[k], k).toBe('number');
  }
  for (const l of ['slat_ns', 'clat_ns', 'lat_ns']) for (const k of ['min', 'max', 'mean', 'stddev', 'N']) expect(typeof d[l][k], `${l}.${k}`).toBe('number');
  if (ios === 'none') return expect(d.total_ios).toBe(0);
  expect(d.total_ios).toBeGreaterThan(0);
  expect(d.io_kbytes).toBe(Math.floor(d.io_bytes / 1024));
  expect(d.bw).toBe(Math.floor(d.bw_bytes / 1024)); // KiB/s, as fio
  expect(d.bw_bytes).toBeCloseTo(d.io_bytes / (d.runtime / 1000), -4);
  expect(d.iops).toBeCloseTo(d.total_ios / (d.runtime / 1000), -2);
  expect(Object.keys(d.clat_ns.percentile)).toEqual(PERCENTILE_KEYS);
  expect(d.clat_ns.percentile['50.000000']).toBeLessThanOrEqual(d.clat_ns.percentile['99.000000']);
  expect(d.lat_ns.min).toBeGreaterThanOrEqual(d.clat_ns.min);
  expect(d.clat_ns.N).toBe(d.total_ios);
}

describe('--output-format json', () => {
  it('has fio\'s layout, names and units, plus a biobench block', async () => {
    const r = await biobench(['run', '--size', '8m', '--runtime', '0.3', '--ramp-time', '0', '--rw', 'randrw', '--rwmixread', '70', '--iodepth', '4', '--log-avg-msec', '100', '--output-format', 'json'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc['fio version']).toMatch(/^biobench-/);
    expect(typeof doc.timestamp).toBe('number');
    const j = doc.jobs[0];
    expect(j.jobname).toBe('biobench');
    expect(j.error).toBe(0);
    expect(j['job options']).toEqual({ size: '8m', rw: 'randrw', rwmixread: '70', iodepth: '4', runtime: '300ms', ramp_time: '0s', log_avg_msec: '100' }); // only what was set, as fio
    expectDir(j.read, 'some');
    expectDir(j.write, 'some');
    expectDir(j.trim, 'none');
    expect(j.read.total_ios).toBeGreaterThan(j.write.total_ios); // 70 % reads
    for (const k of ['job_runtime', 'usr_cpu', 'sys_cpu', 'ctx', 'majf', 'minf', 'latency_depth']) expect(typeof j[k], k).toBe('number');
    expect(Object.keys(j.iodepth_level)).toEqual(['1', '2', '4', '8', '16', '32', '>=64']);
    expect(Object.keys(j.latency_us)).toEqual(['2', '4', '10', '20', '50', '100', '250', '500', '750', '1000']);
    const b = j.biobench;
    expect(b.engine).toMatch(/^(uring|stack)$/);
    expect(b.target).toMatchObject({ kind: 'file', temporary: true, logical_block_size: 512 });
    expect(b.cpu_us_per_io).toBeGreaterThan(0);
    expect(b.pages).toHaveProperty('balanced', true);
    expect(b.time_series.t_ms.length).toBeGreaterThanOrEqual(2); // per 100 ms
    expect(b.time_series.read_iops.length).toBe(b.time_series.t_ms.length);
    expect(b.options).toMatchObject({ rw: 'randrw', iodepth: 4, bs: { min: 4096, max: 4096 }, runtime: 300 });
    expect(doc.biobench).toMatchObject({ command: 'run', cpus: expect.any(Number) });
  });

  it('json+ adds fio\'s clat_ns.bins and --output writes to a file', async () => {
    const out = join(s.dir, 'r.json');
    const r = await biobench(['run', '--size', '4m', '--runtime', '0.2', '--ramp-time', '0', '--output-format', 'json+', '--output', out], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const j = JSON.parse(readFileSync(out, 'utf8')).jobs[0];
    const bins = j.read.clat_ns.bins as Record<string, number>;
    expect(Object.values(bins).reduce((a, c) => a + c, 0)).toBe(j.read.total_ios);
  });
});
