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
    expect(r.stdout).toMatch(/^\| strategy \| biobench \/ fio IOPS \| biobench IOPS \| fio IOPS \|/m);
    expect(r.stdout).toMatch(/^\| (raw|pin) \| \d+\.\d{3} \| [\d.]+k? \| [\d.]+k? \|/m);
    expect(leftoverImages(s.dir)).toEqual([]);
  });
});
