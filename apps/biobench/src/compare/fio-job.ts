/**
 * The same job for fio: biobench's options translated to fio's io_uring engine (sizes and times
 * as plain numbers, so fio's unit quirks never apply), fio run as a child process, its JSON parsed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { RunError, UsageError } from '../cli/errors.ts';
import type { JobOptions } from '../options/table.ts';

/** fio command-line arguments for `job` on `path`. */
export function fioArgs(job: JobOptions, path: string, size: number): string[] {
  const a = [
    `--name=${job.name}`, `--filename=${path}`, '--ioengine=io_uring', `--direct=${job.direct ? 1 : 0}`, `--rw=${job.rw}`,
    job.bs.min === job.bs.max ? `--bs=${job.bs.min}` : `--bsrange=${job.bs.min}-${job.bs.max}`,
    `--iodepth=${job.iodepth}`, `--size=${size}`, `--offset=${job.offset}`, `--randseed=${job.seed}`,
    '--allow_file_create=0', '--output-format=json',
  ];
  if (job.rw === 'readwrite' || job.rw === 'randrw') a.push(`--rwmixread=${job.rwmixread}`);
  if (job.runtime > 0) a.push(`--runtime=${Math.round(job.runtime)}ms`, '--time_based');
  if (job.ramp_time > 0) a.push(`--ramp_time=${Math.round(job.ramp_time)}ms`);
  if (job.buffers === 'registered') a.push('--fixedbufs=1');
  if (job.sqthread_poll) a.push('--sqthread_poll=1');
  if (job.end_fsync && !job.direct) a.push('--end_fsync=1');
  if (job.numjobs > 1) a.push(`--numjobs=${job.numjobs}`, '--group_reporting'); // one jobs[] entry: the group
  return a;
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
