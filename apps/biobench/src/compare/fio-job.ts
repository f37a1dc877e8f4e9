/**
 * The same job for fio: biobench's options translated to fio's io_uring engine (sizes and times
 * as plain numbers, so fio's unit quirks never apply), fio run as a child process, its JSON parsed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { RunError, UsageError } from '../cli/errors.ts';
import type { JobOptions } from '../options/table.ts';

/** fio's block size options: `--bs=r,w` for fixed sizes, `--bsrange=min-max,min-max` for ranges. */
function bsArg(bs: JobOptions['bs']): string {
  if (bs.min === bs.max) return `--bs=${bs.min}`;
  if (bs.read.min === bs.read.max && bs.write.min === bs.write.max) return `--bs=${bs.read.min},${bs.write.min}`;
  return `--bsrange=${bs.read.min}-${bs.read.max},${bs.write.min}-${bs.write.max}`;
}

/** fio command-line arguments for `job` on `path`: every option biobench runs with, in fio's terms. */
export function fioArgs(job: JobOptions, path: string, size: number): string[] {
  const a = [
    `--name=${job.name}`, `--filename=${path}`, '--ioengine=io_uring', `--direct=${job.direct ? 1 : 0}`, `--rw=${job.rw}`,
    bsArg(job.bs),
    `--iodepth=${job.iodepth}`, `--size=${size}`, `--offset=${job.offset}`, `--randseed=${job.seed}`,
    '--allow_file_create=0', '--output-format=json',
  ];
  if (job.rw === 'readwrite' || job.rw === 'randrw') a.push(`--rwmixread=${job.rwmixread}`);
  if (job.time_based) a.push(`--runtime=${Math.round(job.runtime)}ms`, '--time_based');
  else if (job.runtime > 0) a.push(`--runtime=${Math.round(job.runtime)}ms`);
  if (job.ramp_time > 0 && job.time_based) a.push(`--ramp_time=${Math.round(job.ramp_time)}ms`);
  a.push(...workloadArgs(job));
  if (job.buffers === 'registered') a.push('--fixedbufs=1');
  if (job.sqthread_poll) a.push('--sqthread_poll=1');
  if (job.end_fsync && !job.direct) a.push('--end_fsync=1');
  if (job.numjobs > 1) a.push(`--numjobs=${job.numjobs}`, '--group_reporting'); // one jobs[] entry: the group
  return a;
}

/** The fio options of biobench's fio-named rows, where they differ from fio's defaults. */
function workloadArgs(job: JobOptions): string[] {
  const a: string[] = [];
  const pair = (p: { read: number; write: number }): string => `${p.read},${p.write}`;
  if (job.bssplit) a.push(`--bssplit=${bssplitText(job.bssplit)}`);
  if (job.loops > 1) a.push(`--loops=${job.loops}`);
  if (job.startdelay > 0) a.push(`--startdelay=${Math.round(job.startdelay)}ms`);
  if (job.norandommap) a.push('--norandommap');
  if (!job.randrepeat) a.push('--randrepeat=0');
  if (job.random_distribution.type !== 'random') a.push(`--random_distribution=${job.random_distribution.type}:${job.random_distribution.param}`);
  if (job.thinktime > 0) a.push(`--thinktime=${job.thinktime}`, `--thinktime_blocks=${job.thinktime_blocks}`);
  if (job.rate) a.push(`--rate=${pair(job.rate)}`);
  if (job.rate_iops) a.push(`--rate_iops=${pair(job.rate_iops)}`);
  if (job.iodepth_batch_submit !== null) a.push(`--iodepth_batch_submit=${job.iodepth_batch_submit}`);
  if (job.iodepth_batch_complete_min !== 1) a.push(`--iodepth_batch_complete_min=${job.iodepth_batch_complete_min}`);
  if (job.iodepth_batch_complete_max !== null) a.push(`--iodepth_batch_complete_max=${job.iodepth_batch_complete_max}`);
  if (job.iodepth_low !== null) a.push(`--iodepth_low=${job.iodepth_low}`);
  if (job.fsync > 0) a.push(`--fsync=${job.fsync}`);
  if (job.fdatasync > 0) a.push(`--fdatasync=${job.fdatasync}`);
  if (job.buffer_pattern) a.push(`--buffer_pattern=${job.buffer_pattern.text}`);
  if (job.refill_buffers) a.push('--refill_buffers');
  if (job.percentile_list) a.push(`--percentile_list=${job.percentile_list.join(':')}`);
  if (job.lat_percentiles) a.push('--lat_percentiles=1');
  return a;
}

function bssplitText(s: NonNullable<JobOptions['bssplit']>): string {
  const one = (es: { bs: number; pct: number }[]): string => es.map((e) => `${e.bs}/${+e.pct.toFixed(4)}`).join(':');
  return `${one(s.read)},${one(s.write)}`;
}

/** The command line `fioArgs` gives, as a shell would take it (for people to rerun). */
export function fioCommand(bin: string, args: string[]): string {
  const q = (x: string): string => (/^[\w@%+=:,./-]+$/.test(x) ? x : `'${x.replace(/'/g, "'\\''")}'`);
  return [bin, ...args].map(q).join(' ');
}

/** `fio --version`, or a UsageError saying how to get fio. */
export function fioVersion(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new UsageError(`fio is not available (tried '${bin}': ${r.error?.message ?? r.stderr.trim()}); install it (e.g. apt-get install fio) or name it with --fio`);
  }
  return r.stdout.trim();
}

/** Run fio and return its first job's JSON. */
export function runFio(bin: string, args: string[]): Record<string, unknown> {
  let out: string;
  try {
    out = execFileSync(bin, args, { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new RunError(`fio failed: ${(err.stderr || err.message).trim().split('\n').slice(0, 3).join(' ')}\n  fio ${args.join(' ')}`);
  }
  const start = out.indexOf('{');
  if (start < 0) throw new RunError(`fio printed no JSON:\n${out.slice(0, 500)}`);
  const doc = JSON.parse(out.slice(start)) as { jobs?: Record<string, unknown>[] };
  const job = doc.jobs?.[0];
  if (!job) throw new RunError('fio printed JSON without jobs');
  if (job.error) throw new RunError(`fio's job failed with error ${String(job.error)}\n  fio ${args.join(' ')}`);
  return job;
}
