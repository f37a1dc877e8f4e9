import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { biobench, expectNoStackTrace, inProcess, leftoverImages, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());
// Size-based runs (--runtime 0: each block of the 8 MiB region once), so every run completes a
// fixed number of IOs however loaded the machine is: a 0.1 s time-based run of 4 MiB blocks could
// end with none completed on a busy CI host, and a pair with no IOs cannot be measured.
const common = ['--design', 'process', '--size', '8m', '--runtime', '0', '--ramp-time', '0', '--pairs', '5', '--resamples', '500'];

describe('biobench ab --design process', () => {
  // A known large effect: 4 KiB against 4 MiB blocks, one IO at a time (iodepth 1, so latency is
  // the IO's own time, not queueing behind 31 others), size-based over 32 MiB (8192 vs 8 IOs per
  // run). Per IO, B moves 1024x the data: A is faster, B moves more data, A's median IO is shorter
  // and costs less CPU, on any machine however loaded. p99 is not asserted: with 8 IOs per run B's
  // p99 is its maximum of 8, A's is set by scheduling noise, so no direction is guaranteed.
  it('runs pairs in balanced order A B, B A, ... and, for a large known effect, names the right winner of each metric', async () => {
    const r = await biobench(['ab', 'bs=4k', 'bs=4m', ...common, '--size', '32m', '--iodepth', '1', '--primary', 'iops'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^A: bs=4k\nB: bs=4m\n5 pairs of whole runs, balanced order ABBAABBAAB;/);
    expect(r.stdout).toMatch(/metric\s+A mean\s+B mean\s+A vs B\s+CI\s+verdict/);
    for (const m of ['IOPS', 'clat p50', 'clat p99', 'CPU per IO']) expect(r.stdout).toContain(m);
    expect(r.stdout).toMatch(/^IOPS \[primary\]\s.*\sA is faster by [\d.]+% ± [\d.]+%\s*$/m);
    expect(r.stdout).toMatch(/^bandwidth \(MiB\/s\)\s.*\sB moves more data by [\d.]+% ± [\d.]+%\s*$/m);
    expect(r.stdout).toMatch(/^clat p50 \(µs\)\s.*\sA has lower median latency by /m);
    expect(r.stdout).toMatch(/^CPU per IO \(µs\)\s.*\sA uses less CPU per IO by /m);
    expect(r.stdout).toMatch(/^verdict: A is faster by [\d.]+% ± [\d.]+%$/m);
    expect(r.stdout).toMatch(/^position effect \(IOPS of the run made first vs second\): [+−][\d.]+% \[[+−][\d.]+%, [+−][\d.]+%\]/m);
    expect(r.stdout).toMatch(/^(WARNING: noisy machine — .+|machine: quiet enough .+)$/m);
    expectNoStackTrace(r.stderr);
    expect(leftoverImages(s.dir)).toEqual([]);
  });

  // A/A: the same configuration on both sides has no true difference; at a 99.9% interval a
  // spurious one (noise, or the order A-first) is rare enough for a test.
  it('for A/A (the same configuration twice) reports no difference', async () => {
    const r = await biobench(['ab', 'iodepth=4', 'iodepth=4', ...common, '--confidence', '0.999'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^verdict: no difference detected \(A vs B [+−][\d.]+% … [+−][\d.]+%, 100% CI\)$/m);
    expectNoStackTrace(r.stderr);
  });

  it('refuses fewer than 5 pairs', async () => {
    const r = await inProcess(['ab', 'iodepth=1', 'iodepth=2', '--pairs', '3'], s.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pairs <n>' argument '3' is invalid\. bad number '3': expected a whole number from 5 to 1000/);
  });

  it('writes every run as a fio job and the comparison in biobench.ab (JSON)', async () => {
    const out = join(s.dir, 'ab.json');
    const r = await biobench(['ab', 'bs=4k', 'bs=8k', ...common, '--output-format', 'json', '--output', out], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.jobs.map((j: any) => j.jobname)).toEqual(['A', 'A', 'A', 'A', 'A', 'B', 'B', 'B', 'B', 'B']);
    expect(doc.jobs[0]['job options'].bs).toBe('4k');
    expect(doc.jobs[5]['job options'].bs).toBe('8k');
    const ab = doc.biobench.ab;
    expect(ab).toMatchObject({ design: 'process', a: 'bs=4k', b: 'bs=8k', pairs: 5, order: 'ABBAABBAAB', confidence: 0.95, primary: 'cpu_us_per_io' });
    expect(ab.metrics[0]).toMatchObject({ key: 'cpu_us_per_io', primary: true });
    expect(ab.metrics.filter((m: any) => m.primary)).toHaveLength(1);
    const bw = ab.metrics.find((m: any) => m.label === 'bandwidth');
    expect(bw.a.samples).toHaveLength(5);
    expect(bw.ci_pct[0]).toBeLessThanOrEqual(bw.change_pct);
    expect(bw.ci_pct[1]).toBeGreaterThanOrEqual(bw.change_pct);
    expect(typeof ab.noise.noisy).toBe('boolean');
  });
});
