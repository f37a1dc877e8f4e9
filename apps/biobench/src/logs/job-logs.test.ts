import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultsOf } from '../options/parse.ts';
import { JOB_OPTIONS } from '../options/table.ts';
import type { JobOptions } from '../options/table.ts';
import { newDirs } from '../stats/io-stats.ts';
import type { Dirs } from '../stats/io-stats.ts';
import { CHUNK, JobLogs } from './job-logs.ts';

function job(over: Partial<JobOptions>): JobOptions {
  const d = defaultsOf(JOB_OPTIONS) as unknown as Record<string, unknown>;
  const one = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])) as unknown as JobOptions;
  return { ...one, ...over };
}

const lines = (f: string): string[] => readFileSync(f, 'utf8').trim().split('\n');

describe('JobLogs', () => {
  it('averages each window per direction: KiB/s, IO/s and mean latencies, bs and offset 0', () => {
    const d = mkdtempSync(join(tmpdir(), 'biobench-logs-'));
    const p = join(d, 'w');
    const logs = new JobLogs(job({ log_avg_msec: 100, write_bw_log: p, write_iops_log: p, write_lat_log: p }), 3);
    const dirs: Dirs = newDirs();
    for (let i = 0; i < 10; i++) logs.io(10 + i, 0, 4096, 1000, 9000); // 10 reads in the first window
    logs.io(50, 1, 8192, 2000, 2000);
    logs.tick(100, dirs);
    logs.io(150, 0, 4096, 500, 500);
    logs.finish(200, dirs);
    expect(logs.write().map((f) => f.slice(d.length + 1))).toEqual(['w_bw.3.log', 'w_iops.3.log', 'w_lat.3.log', 'w_clat.3.log', 'w_slat.3.log']);
    expect(lines(`${p}_bw.3.log`)).toEqual(['100, 400, 0, 0, 0', '100, 80, 1, 0, 0', '200, 40, 0, 0, 0']);
    expect(lines(`${p}_iops.3.log`)).toEqual(['100, 100, 0, 0, 0', '100, 10, 1, 0, 0', '200, 10, 0, 0, 0']);
    expect(lines(`${p}_lat.3.log`)).toEqual(['100, 10000, 0, 0, 0', '100, 4000, 1, 0, 0', '200, 1000, 0, 0, 0']);
    expect(lines(`${p}_slat.3.log`)[0]).toBe('100, 1000, 0, 0, 0');
    rmSync(d, { recursive: true, force: true });
  });

  it('logs every IO across chunk boundaries, in order', () => {
    const d = mkdtempSync(join(tmpdir(), 'biobench-logs-'));
    const p = join(d, 'x');
    const logs = new JobLogs(job({ log_avg_msec: 0, write_lat_log: p }), 1);
    const n = CHUNK + 10;
    for (let i = 0; i < n; i++) logs.io(i / 1000, i & 1, 4096, i, 1);
    logs.finish(n / 1000, newDirs());
    logs.write();
    const l = lines(`${p}_slat.1.log`);
    expect(l).toHaveLength(n);
    expect(l[CHUNK]).toBe(`${Math.floor(CHUNK / 1000)}, ${CHUNK}, 0, 4096, 0`);
    expect(lines(`${p}_lat.1.log`)[n - 1]).toBe(`${Math.floor((n - 1) / 1000)}, ${n}, 1, 4096, 0`);
    rmSync(d, { recursive: true, force: true });
  });
});
