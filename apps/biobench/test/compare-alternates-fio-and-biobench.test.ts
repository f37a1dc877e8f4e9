import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { biobench, leftoverImages, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());
const fio = spawnSync('fio', ['--version']).status === 0;

describe('biobench compare', () => {
  it('runs fio and biobench on the same temporary target and prints the ratios', async (ctx) => {
    if (!fio) return ctx.skip('fio is not installed (biobench compare needs it)');
    const r = await biobench(['compare', '--size', '8m', '--runtime', '0.2', '--ramp-time', '0', '--reps', '2', '--iodepth', '4', '--markdown'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/biobench compare: fio-[\d.]+ \(io_uring engine\) vs biobench .* 2 rep\(s\) each, alternating/);
    expect(r.stderr).toMatch(/^fio: fio --name=biobench --filename=\S+ --ioengine=io_uring .*--iodepth=4 /m); // the command, to rerun
    expect(r.stdout).toMatch(/^\| strategy \| biobench \/ fio IOPS \| biobench IOPS \| fio IOPS \| IOPS spread % \(b\/f\) \|/m);
    expect(r.stdout).toMatch(/^\| (raw|pin) \| \d+\.\d{3} \| [\d.]+k? \| [\d.]+k? \| \d+\.\d \/ \d+\.\d \|/m);
    expect(leftoverImages(s.dir)).toEqual([]);
  });

  it('keeps fio\'s JSON of every rep, and the command it ran, in its JSON output', async (ctx) => {
    if (!fio) return ctx.skip('fio is not installed (biobench compare needs it)');
    const r = await biobench(['compare', '--size', '4m', '--runtime', '0.2', '--ramp-time', '0', '--reps', '2', '--iodepth', '2', '--output-format', 'json'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const row = JSON.parse(r.stdout).biobench.compare.rows[0];
    expect(row.fio_command).toMatch(/^fio --name=biobench .*--iodepth=2 /);
    expect(row.fio_jobs).toHaveLength(2);
    for (const j of row.fio_jobs) expect(j.read.total_ios).toBeGreaterThan(0);
    expect(row.fio.map((m: { iops: number }) => m.iops)).toEqual(row.fio_jobs.map((j: { read: { iops: number } }) => j.read.iops));
  });
});
