import { afterAll, describe, expect, it } from 'vitest';
import { biobench, expectNoStackTrace, leftoverImages, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());

describe('biobench run with no target', () => {
  it('runs on a temporary image, prints fio-style results and says what it ran', async () => {
    const r = await biobench(['run', '--size', '8m', '--runtime', '0.3', '--ramp-time', '0', '--iodepth', '4'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/read: IOPS=[\d.]+k?, BW=/);
    expect(r.stdout).toMatch(/clat percentiles \((n|u|m)sec\)/);
    expect(r.stdout).toMatch(/cpu\s+: usr=[\d.]+%, sys=[\d.]+%.* µs\/IO/);
    expect(r.stdout).toMatch(/engine=(uring|stack), strategy=(raw|pin)/);
    expect(r.stderr).toMatch(/temporary image .* removed afterwards/);
    expectNoStackTrace(r.stderr);
    expect(leftoverImages(s.dir)).toEqual([]);
  });

  it('runs a mixed sweep and ends with a table comparing the jobs', async () => {
    const r = await biobench(['run', '--size', '8m', '--runtime', '0.2', '--ramp-time', '0', '--rw', 'randrw', '--iodepth', '1,8'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/write: IOPS=/);
    expect(r.stdout).toMatch(/Summary .*engine\):\n\s*iodepth\s+strategy\s+IOPS/);
    expect(r.stdout.match(/^\s*(1|8)\s+\S+\s+[\d.]+k?\s/gm)?.length).toBe(2);
    expect(leftoverImages(s.dir)).toEqual([]);
  });
});
