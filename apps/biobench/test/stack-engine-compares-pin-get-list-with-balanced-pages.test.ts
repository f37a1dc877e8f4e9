/**
 * The stack engine end to end (iov_iter → bio → blk-mq → driver): the three strategies take what
 * they should (pins, references, nothing) and give all of it back; data written and read through
 * each strategy verifies; impossible strategy/profile/release combinations are refused up front.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { stackAvailability } from '../src/engine/registry.ts';
import { biobench, expectNoStackTrace, inProcess, leftoverImages, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());
const avail = await stackAvailability();

describe.skipIf(!avail.ok)(`stack engine${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  it('pin pins, get references, list takes nothing; every page comes back (null driver)', async () => {
    const r = await biobench(['run', '--driver', 'null', '--size', '8m', '--runtime', '0.2', '--ramp-time', '0', '--strategy', 'pin,get,list', '--bs', '4k-16k', '--output-format', 'json'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const jobs = JSON.parse(r.stdout).jobs.map((j: any) => j.biobench);
    expect(jobs.map((b: any) => [b.engine, b.strategy, b.profile, b.release, b.driver])).toEqual([
      ['stack', 'pin', 'merged', 'unpin', 'null'], ['stack', 'get', 'legacy', 'put', 'null'], ['stack', 'list', 'merged', 'none', 'null'],
    ]);
    const [pin, get, list] = jobs.map((b: any) => b.pages);
    expect(pin.pins_acquired).toBeGreaterThan(0);
    expect(pin).toMatchObject({ applicable: true, pins_released: pin.pins_acquired, refs_taken: 0, balanced: true });
    expect(get.refs_taken).toBeGreaterThan(0);
    expect(get).toMatchObject({ pins_acquired: 0, refs_released: get.refs_taken, balanced: true });
    expect(list).toMatchObject({ pins_acquired: 0, refs_taken: 0, balanced: true });
  });

  it('prints the pin / get / list table on a temporary image (the README command, shortened)', async () => {
    const r = await biobench(['run', '--size', '8m', '--runtime', '0.2', '--ramp-time', '0.1', '--strategy', 'pin,get,list'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Summary \(stack engine\):\nstrategy\s+IOPS\s+MiB\/s\s+p50 µs\s+p99 µs\s+CPU µs\/IO\s+pins acq\/rel\s+refs get\/put/);
    expect(r.stdout).toMatch(/^pin\s+[\d.]+k?\s.*\s(\d+)\/\1\s+0\/0$/m);
    expect(r.stdout).toMatch(/^get\s+[\d.]+k?\s.*\s0\/0\s+(\d+)\/\1$/m);
    expect(r.stdout).toMatch(/^list\s+[\d.]+k?\s.*\s0\/0\s+0\/0$/m);
    expect(leftoverImages(s.dir)).toEqual([]);
  });

  it.each(['pin', 'get', 'list'])('data written and read back through %s verifies (bdev driver, release modes)', async (strategy) => {
    const release = strategy === 'list' ? 'none' : 'deferred';
    const r = await biobench(['run', '--size', '2m', '--runtime', '0', '--rw', 'randrw', '--bs', '4k-32k', '--verify', 'crc32c', '--strategy', strategy, '--release', release, '--iodepth', '8'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`strategy=${strategy}, release=${release}`));
    expect(r.stdout).toMatch(/verify\s+: crc32c, \d+ blocks written, [1-9]\d* checked, 0 bad/);
    expect(r.stdout).toMatch(/\(balanced\)/);
  });

  it.each([
    [['--strategy', 'pin', '--profile', 'legacy'], /--strategy pin with --profile legacy: under legacy \(6\.2\) a user buffer is referenced/],
    [['--strategy', 'get', '--profile', 'current'], /--strategy get with --profile current: from v8 on a user buffer is pinned/],
    [['--strategy', 'pin', '--release', 'put'], /--release put cannot give back what strategy pin takes under profile merged: pins/],
    [['--strategy', 'list', '--release', 'unpin'], /--release unpin cannot give back .* nothing \(pages just listed\); use one of auto, none/],
    [['--driver', 'nvme'], /--driver nvme needs --target \/dev\/ngXnY/],
  ])('refuses %j before running', async (args, message) => {
    const r = await inProcess(['run', '--size', '2m', ...args], s.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectNoStackTrace(r.stderr);
    expect(leftoverImages(s.dir)).toEqual([]);
  });
});
