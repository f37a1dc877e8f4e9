/**
 * fio's options under fio's names, from the command line and from job files, doing what they do in
 * fio — each asserted through something the run cannot fake: IO counts and bytes, the JSON's
 * iodepth_submit/_complete buckets, sync counts, what landed on the file. No timing assertions:
 * rate and thinktime are checked against upper bounds their schedule makes structural.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { biobench, inProcess, scratch } from './helpers.ts';

const s = scratch();
const img = join(s.dir, 'opts.img');
beforeAll(() => execFileSync('truncate', ['-s', '4M', img]));
afterAll(() => s.cleanup());

async function json(args: string[]): Promise<any> {
  const r = await inProcess(['run', ...args, '--output-format', 'json'], s.dir);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).jobs[0];
}

const NULL = ['--driver', 'null', '--engine', 'stack', '--ramp-time', '0'];

describe('fio options', () => {
  it('--filename, --ioengine io_uring and a bare --time_based, with fio\'s names in "job options"', async () => {
    const j = await json(['--filename', img, '--ioengine', 'io_uring', '--time_based', '--runtime', '0.2', '--ramp-time', '0', '--size', '1m', '--iodepth', '4']);
    expect(j.biobench.engine).toBe('uring');
    expect(j.biobench.target.path).toBe(img);
    expect(j['job options']).toMatchObject({ filename: img, ioengine: 'io_uring', time_based: '1', runtime: '200ms' });
    expect(j.read.total_ios).toBeGreaterThan(0);
  });

  it('bs=r,w sizes each direction, rwmixwrite sets the mix, loops repeats a size-based job', async () => {
    const j = await json([...NULL, '--rw', 'randrw', '--bs', '4k,16k', '--rwmixwrite', '30', '--size', '4m', '--time-based', '0', '--runtime', '0', '--loops', '2']);
    expect(j.read.io_bytes).toBe(j.read.total_ios * 4096);
    expect(j.write.io_bytes).toBe(j.write.total_ios * 16384);
    const w = j.write.total_ios / (j.read.total_ios + j.write.total_ios);
    expect(w).toBeGreaterThan(0.2);
    expect(w).toBeLessThan(0.4);
    expect(j.read.io_bytes + j.write.io_bytes).toBeGreaterThanOrEqual(2 * 4 * 2 ** 20); // two passes over 4m
    expect(j['job options']).toMatchObject({ bs: '4k,16k', rwmixwrite: '30', loops: '2' });
  });

  it('size=50% takes half the target; bssplit splits the block sizes', async () => {
    const j = await json(['--target', img, '--engine', 'uring', '--size', '50%', '--rw', 'read', '--runtime', '0', '--bssplit', '4k/50:8k/50']);
    expect(j.biobench.target.region_size).toBe(2 * 2 ** 20);
    expect(j.read.io_bytes).toBe(2 * 2 ** 20);
    const big = j.read.io_bytes / 4096 - j.read.total_ios; // 8k IOs
    expect(big).toBeGreaterThan(0);
    expect(big).toBeLessThan(j.read.total_ios);
  });

  it('iodepth_batch_submit and iodepth_batch_complete_max shape the batches, as the JSON counts them', async () => {
    const j = await json([...NULL, '--iodepth', '16', '--iodepth-batch-submit', '4', '--iodepth-batch-complete-max', '2', '--runtime', '0.2']);
    expect(j.iodepth_submit['4']).toBe(100); // every commit carried 1-4 IOs
    for (const k of ['8', '16', '32', '64', '>=64']) expect(j.iodepth_complete[k]).toBe(0); // never more than 2 reaped
    expect(j['job options']).toMatchObject({ iodepth_batch_submit: '4', iodepth_batch_complete_max: '2' });
  });

  it('iodepth_low lets a full queue drain before refilling it', async () => {
    const shape = ['--iodepth', '8', '--iodepth-batch-complete-max', '1', '--runtime', '0.2'];
    const plain = await json([...NULL, ...shape]);
    expect(plain.iodepth_submit['4']).toBeGreaterThan(90); // one reaped, one refilled
    const low = await json([...NULL, ...shape, '--iodepth-low', '2']);
    expect(low.iodepth_submit['8']).toBeGreaterThan(90); // drained to 2, then 6 queued at once
  });

  it('rate_iops holds the IO count to its schedule (rate × runtime, plus the queue)', async () => {
    const j = await json([...NULL, '--iodepth', '8', '--rate-iops', '500', '--runtime', '0.5']);
    const limit = 500 * ((j.job_runtime + 1) / 1000) * 1.02 + 8;
    expect(j.read.total_ios).toBeGreaterThan(0);
    expect(j.read.total_ios).toBeLessThanOrEqual(limit);
  });

  it('thinktime pauses after every thinktime_blocks IOs', async () => {
    const j = await json([...NULL, '--iodepth', '4', '--thinktime', '20ms', '--thinktime-blocks', '4', '--runtime', '0.3']);
    expect(j.read.total_ios).toBeLessThanOrEqual(4 * (Math.floor(j.job_runtime / 20) + 1));
  });

  it('fsync=N issues one fsync after every N writes (fio\'s sync block)', async () => {
    const j = await json(['--target', img, '--engine', 'uring', '--rw', 'write', '--size', '256k', '--runtime', '0', '--fsync', '4', '--allow-destructive']);
    expect(j.write.total_ios).toBe(64);
    expect(j.sync.total_ios).toBeGreaterThanOrEqual(15);
    expect(j.sync.total_ios).toBeLessThanOrEqual(16);
    expect(j.sync.lat_ns.N).toBe(j.sync.total_ios);
  });

  it('buffer_pattern is what lands on the file', async () => {
    await json(['--target', img, '--engine', 'uring', '--rw', 'write', '--size', '64k', '--runtime', '0', '--buffer-pattern', '0xdeadbeef', '--allow-destructive']);
    const head = readFileSync(img).subarray(0, 65536);
    for (let i = 0; i < head.length; i += 4) expect(head.readUInt32BE(i)).toBe(0xdeadbeef);
  });

  it.each(['md5', 'sha256', 'pattern'])('verify=%s writes, reads back and checks every block; do_verify=0 skips the read-back', async (mode) => {
    const pat = mode === 'pattern' ? ['--verify-pattern', '0x5a'] : [];
    const j = await json(['--target', img, '--rw', 'randwrite', '--size', '256k', '--runtime', '0', '--verify', mode, ...pat, '--allow-destructive']);
    expect(j.biobench.verify).toMatchObject({ units_written: 64, units_verified: 64, mismatches: 0 });
    const n = await json(['--target', img, '--rw', 'randwrite', '--size', '256k', '--runtime', '0', '--verify', mode, ...pat, '--do-verify', '0', '--allow-destructive']);
    expect(n.biobench.verify).toMatchObject({ units_written: 64, units_verified: 0 });
  });

  it('verify=sha256 finds a block changed on disk, and the text says err=84 (EILSEQ ...)', async () => {
    await json(['--target', img, '--rw', 'write', '--size', '64k', '--runtime', '0', '--verify', 'sha256', '--do-verify', '0', '--allow-destructive']);
    const b = readFileSync(img);
    b[3 * 4096 + 100]! ^= 0xff;
    writeFileSync(img, b);
    const r = await inProcess(['run', '--target', img, '--size', '64k', '--bs', '4k', '--verify', 'sha256', '--verify-only'], s.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/err=84 \(EILSEQ: verify: 1 bad block\(s\) of 16 checked; first at offset 12288: sha256 mismatch/);
  });

  it('percentile_list and lat_percentiles choose the percentiles reported', async () => {
    const j = await json([...NULL, '--runtime', '0.1', '--percentile-list', '50:99.9', '--lat-percentiles', '1']);
    expect(Object.keys(j.read.clat_ns.percentile)).toEqual(['50.000000', '99.900000']);
    expect(Object.keys(j.read.lat_ns.percentile)).toEqual(['50.000000', '99.900000']);
  });

  it('status-interval prints the results so far while the job runs', async () => {
    const r = await biobench(['run', ...NULL, '--runtime', '1', '--status-interval', '200ms'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/^status: biobench: \d+\.\ds read: IOPS=\d+/gm)?.length).toBeGreaterThanOrEqual(2);
  });

  it('a job file takes the same names: runtime without time_based caps a size-based job', async () => {
    const f = join(s.dir, 'cap.fio');
    writeFileSync(f, ['[capped]', 'ioengine=biobench-stack', 'driver=null', 'size=4m', 'loops=1000000', 'runtime=200ms', 'rw=randread', 'norandommap', 'random_distribution=zipf:1.1', 'iodepth_low=4', 'randrepeat=0', 'startdelay=10ms', 'group_reporting'].join('\n'));
    const r = await inProcess(['run', f, '--output-format', 'json'], s.dir);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout).jobs[0];
    expect(j.read.total_ios).toBeGreaterThan(0);
    expect(j.read.total_ios).toBeLessThan(1000000 * 1024); // stopped by the cap, not by the loops
    expect(j['job options']).toMatchObject({ ioengine: 'biobench-stack', runtime: '200ms', loops: '1000000', random_distribution: 'zipf:1.1' });
    expect(j['job options']).not.toHaveProperty('group_reporting'); // a bare flag: fio lists only options given a value
    expect(j.biobench.options.seed).not.toBe(1); // randrepeat=0: a seed from the clock
  });

  it('what biobench lacks is refused by name: trim and fsync on the stack engine', async () => {
    for (const [args, msg] of [
      [[...NULL, '--rw', 'trimwrite'], /--rw trimwrite is not supported on the stack engine: .*no discard/],
      [[...NULL, '--rw', 'write', '--fsync', '8'], /--fsync is not supported on the stack engine/],
    ] as const) {
      const r = await inProcess(['run', ...args], s.dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
