/**
 * `--numjobs N`: each clone on its own worker thread (its own ring, stack and arena buffers, the
 * native addon loaded in each worker) on the null driver. Size-based jobs make every count exact:
 * each clone reads each 4k block of its 1m region once. Without group_reporting fio reports each
 * clone; with it, one result whose IO count is the clones' sum and whose percentiles come from
 * the clones' histograms added together. Pins balance in every worker; a worker's failure reaches
 * the main thread with its errno code; no worker outlives the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTarget, planJobs, runPlan } from '../src/commands/jobs.ts';
import { stackAvailability } from '../src/engine/registry.ts';
import { mergeGroup } from '../src/job/merge.ts';
import { defaultsOf } from '../src/options/parse.ts';
import { JOB_OPTIONS } from '../src/options/table.ts';
import { PlatHistogram } from '../src/stats/plat-histogram.ts';
import { cloneWorkersStarted, liveCloneWorkers } from '../src/workers/run-clones.ts';
import { expectNoStackTrace, inProcess, leftoverImages, scratch } from './helpers.ts';

const avail = await stackAvailability();
const s = scratch();
afterAll(() => s.cleanup());

const base = ['run', '--driver', 'null', '--size', '1m', '--runtime', '0', '--iodepth', '8', '--output-format', 'json'];

interface DocJob {
  jobname: string;
  groupid: number;
  read: { total_ios: number; io_bytes: number; clat_ns: { N: number; percentile: Record<string, number> } };
  'job options': Record<string, string>;
  biobench: { pages: { pins_acquired: number; pins_released: number; balanced: boolean } };
}

describe.skipIf(!avail.ok)('numjobs on worker threads', () => {
  it('reports each clone on its own: every block once per clone, pins balanced in every worker', async () => {
    const before = cloneWorkersStarted();
    const r = await inProcess([...base, '--numjobs', '3'], s.dir);
    expect(cloneWorkersStarted() - before).toBe(3);
    expect(r.code, r.stderr).toBe(0);
    const jobs = (JSON.parse(r.stdout) as { jobs: DocJob[] }).jobs;
    expect(jobs.map((j) => [j.jobname, j.groupid, j.read.total_ios, j['job options'].numjobs])).toEqual([
      ['biobench', 0, 256, '3'], ['biobench', 0, 256, '3'], ['biobench', 0, 256, '3'],
    ]);
    for (const j of jobs) {
      expect(j.biobench.pages.pins_acquired).toBeGreaterThanOrEqual(256);
      expect(j.biobench.pages.balanced).toBe(true);
    }
    expect(liveCloneWorkers()).toBe(0);
  });

  it('with --thread runs a lone job on a worker too (without it, on the main thread)', async () => {
    const before = cloneWorkersStarted();
    expect((await inProcess(base, s.dir)).code).toBe(0);
    expect(cloneWorkersStarted()).toBe(before);
    const r = await inProcess([...base, '--thread'], s.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(cloneWorkersStarted() - before).toBe(1);
    const jobs = (JSON.parse(r.stdout) as { jobs: DocJob[] }).jobs;
    expect(jobs.map((j) => [j.read.total_ios, j.biobench.pages.balanced])).toEqual([[256, true]]);
    expect(liveCloneWorkers()).toBe(0);
  });

  it('with group_reporting reports one result: IOs and bytes summed over the clones', async () => {
    const r = await inProcess([...base, '--numjobs', '2', '--group-reporting'], s.dir);
    expect(r.code, r.stderr).toBe(0);
    const jobs = (JSON.parse(r.stdout) as { jobs: DocJob[] }).jobs;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.read.total_ios).toBe(512);
    expect(jobs[0]!.read.io_bytes).toBe(512 * 4096);
    expect(jobs[0]!.read.clat_ns.N).toBe(512);
    expect(jobs[0]!.biobench.pages.balanced).toBe(true);
    expect(liveCloneWorkers()).toBe(0);
  });

  it('in a job file runs every job of a group at once and group_reporting sums the group, clones included', async () => {
    const file = join(s.dir, 'group.fio');
    const log = join(s.dir, 'g');
    writeFileSync(file, ['[global]', 'driver=null', 'size=1m', 'iodepth=4', 'group_reporting', `write_iops_log=${log}`, '[a]', 'numjobs=2', '[b]', 'rw=read', '[c]', 'stonewall', 'bs=8k'].join('\n'));
    const r = await inProcess(['run', file, '--output-format', 'json'], s.dir);
    expect(r.code, r.stderr).toBe(0);
    const jobs = (JSON.parse(r.stdout) as { jobs: DocJob[] }).jobs;
    // group 0: a's two clones and b at once (three workers), 256 IOs each; group 1: c alone, 128 IOs of 8k
    expect(jobs.map((j) => [j.jobname, j.groupid, j.read.total_ios])).toEqual([['a', 0, 768], ['c', 1, 128]]);
    // each clone logs under its own number (fio's thread_number: a = 1 and 2, b = 3, c = 4), one line per IO
    expect([1, 2, 3, 4].map((n) => readFileSync(`${log}_iops.${n}.log`, 'utf8').trim().split('\n').length)).toEqual([256, 256, 256, 128]);
    expect(liveCloneWorkers()).toBe(0);
  });

  it('with a command-line sweep over a job file runs each variant\'s group together, variant after variant', async () => {
    const file = join(s.dir, 'sweep.fio');
    writeFileSync(file, ['[global]', 'driver=null', 'size=1m', 'group_reporting', '[a]', '[b]', 'rw=read'].join('\n'));
    const r = await inProcess(['run', file, '--iodepth', '1,4', '--output-format', 'json'], s.dir);
    expect(r.code, r.stderr).toBe(0);
    const jobs = (JSON.parse(r.stdout) as { jobs: DocJob[] }).jobs;
    // a and b at iodepth 1 (group 0, merged), then both at iodepth 4 (group 1): never one section's two variants at once
    expect(jobs.map((j) => [j.jobname, j.groupid, j['job options'].iodepth, j.read.total_ios])).toEqual([['a', 0, '1', 512], ['a', 1, '4', 512]]);
    expect(liveCloneWorkers()).toBe(0);
  });

  it('merges the clones\' histograms, not their percentiles', async () => {
    const sweep = { ...defaultsOf(JOB_OPTIONS), driver: ['null' as const], size: 1 << 20, runtime: 0, ramp_time: 0, iodepth: [4], numjobs: [2] };
    process.env.BIOBENCH_TMPDIR = s.dir;
    const plan = await planJobs(sweep, new Set(['driver', 'size', 'runtime', 'numjobs']));
    const target = openTarget(plan.jobs, plan.engine);
    try {
      const clones = await runPlan(plan, target);
      expect(clones.map((c) => [c.index, c.clone])).toEqual([[1, 0], [2, 1]]);
      const merged = mergeGroup(clones);
      const sum = new PlatHistogram();
      for (const c of clones) sum.merge(c.dirs[0].clatHist);
      expect(merged.dirs[0].ios).toBe(clones[0]!.dirs[0].ios + clones[1]!.dirs[0].ios);
      expect(merged.dirs[0].clatHist.total).toBe(merged.dirs[0].ios);
      expect(merged.dirs[0].clatHist.percentiles()).toEqual(sum.percentiles());
      const n0 = clones[0]!.dirs[0].clat.n, n1 = clones[1]!.dirs[0].clat.n;
      const mean = (clones[0]!.dirs[0].clat.mean * n0 + clones[1]!.dirs[0].clat.mean * n1) / (n0 + n1);
      expect(merged.dirs[0].clat.mean).toBeCloseTo(mean, 6);
      expect(merged.dirs[0].clat.min).toBe(Math.min(clones[0]!.dirs[0].clat.min, clones[1]!.dirs[0].clat.min));
      expect(merged.clones).toBe(2);
    } finally {
      target.release();
      delete process.env.BIOBENCH_TMPDIR;
    }
    expect(liveCloneWorkers()).toBe(0);
  });

  it('passes a worker\'s error to the main thread with its code, and ends every worker', async () => {
    // each clone writes its log when its job ends: into a directory that does not exist
    const r = await inProcess([...base, '--numjobs', '2', '--write-bw-log', join(s.dir, 'no-such-dir', 'x')], s.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^biobench: biobench \(clone \d, job \d, worker thread\): ENOENT: no such file or directory/m);
    expectNoStackTrace(r.stderr);
    expect(r.stdout).toBe('');
    expect(liveCloneWorkers()).toBe(0);
    expect(leftoverImages(s.dir)).toEqual([]);
  });

  it('rejects runPlan with the worker\'s Error code (ENOENT), after every worker has ended', async () => {
    const sweep = { ...defaultsOf(JOB_OPTIONS), driver: ['null' as const], size: 1 << 20, runtime: 0, ramp_time: 0, numjobs: [2], write_iops_log: join(s.dir, 'missing', 'y') };
    const plan = await planJobs(sweep, new Set(['driver', 'size', 'runtime', 'numjobs', 'write_iops_log']));
    const target = openTarget(plan.jobs, plan.engine);
    try {
      await expect(runPlan(plan, target)).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/worker thread/) });
    } finally {
      target.release();
    }
    expect(liveCloneWorkers()).toBe(0);
  });
});
