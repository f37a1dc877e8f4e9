import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pngSize } from '../src/report/render.ts';
import { biobench, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());

/** Check the PNG signature and read width/height from IHDR ourselves (not via the code under test). */
function decodeHeader(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(b.toString('latin1', 12, 16)).toBe('IHDR');
  expect(b.toString('latin1', b.length - 8, b.length - 4)).toBe('IEND');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('biobench report', () => {
  it('turns run and ab JSON into report.html and PNG plots of the requested size', async () => {
    const run = join(s.dir, 'run.json'), ab = join(s.dir, 'ab.json'), out = join(s.dir, 'report');
    const r1 = await biobench(['run', '--size', '4m', '--runtime', '0.3', '--ramp-time', '0', '--log-avg-msec', '50', '--iodepth', '1,8', '--output-format', 'json', '--output', run], { tmp: s.dir });
    expect(r1.code, r1.stderr).toBe(0);
    const r2 = await biobench(['ab', 'iodepth=2', 'iodepth=8', '--design', 'process', '--size', '4m', '--runtime', '0.15', '--ramp-time', '0', '--pairs', '5', '--resamples', '200', '--output-format', 'json', '--output', ab], { tmp: s.dir });
    expect(r2.code, r2.stderr).toBe(0);
    const r = await biobench(['report', run, ab, '--out-dir', out, '--width', '640', '--height', '360'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/report: .*report\.html \(iops\.png, latency\.png, iops-iodepth\.png, latency-iodepth\.png, ab\.png, ab-runs\.png\) from 12 job\(s\)/);
    for (const png of ['iops.png', 'latency.png', 'iops-iodepth.png', 'latency-iodepth.png', 'ab.png', 'ab-runs.png']) {
      expect(decodeHeader(join(out, png))).toEqual({ width: 640, height: 360 });
      expect(readFileSync(join(out, png)).length).toBeGreaterThan(5000); // drawn, not blank
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg[^>]+width="640"/);
    expect(html).toContain('href="iops.png"');
    expect(html).toMatch(/<h2>A\/B: ((A|B) uses less CPU per IO|no difference detected|not measured)/); // the primary metric: CPU per IO 
    expect(html).toMatch(/iodepth=1/);
    expect(html).toMatch(/<th>unit<\/th>/); // the A/B table says what its numbers are
    expect(html).toMatch(/<td>rw=randread bs=4096 iodepth=8 size=4194304 runtime=300ms/); // job parameters on the page
    expect(html).toMatch(/<td>A iodepth=2 #5<\/td>/); // ab's runs of one configuration: a distinct label each
  });

  it('leaves out a time chart with fewer than 3 points', async () => {
    const run = join(s.dir, 'short.json'), out = join(s.dir, 'short');
    const r1 = await biobench(['run', '--size', '4m', '--runtime', '0.2', '--ramp-time', '0', '--log-avg-msec', '100', '--output-format', 'json', '--output', run], { tmp: s.dir });
    expect(r1.code, r1.stderr).toBe(0);
    const r = await biobench(['report', run, '--out-dir', out], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, 'iops.png'))).toBe(false);
    expect(existsSync(join(out, 'latency.png'))).toBe(true);
  });

  it('with no files, runs the job itself and reports it', async () => {
    const out = join(s.dir, 'self');
    const r = await biobench(['report', '--size', '4m', '--runtime', '0.2', '--ramp-time', '0', '--out-dir', out], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(pngSize(readFileSync(join(out, 'latency.png')))).toEqual({ width: 900, height: 420 });
  });
});
