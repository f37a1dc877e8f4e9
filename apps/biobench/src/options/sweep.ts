/**
 * A sweep is the parsed options with list rows as lists; each combination is one job, in the
 * order the rows appear in the table (the last row varies fastest). Also the checks that involve
 * more than one option.
 */
import { UsageError } from '../cli/errors.ts';
import { JOB_OPTIONS } from './table.ts';
import type { JobOptions, JobSweep } from './table.ts';

/** Expand a sweep into jobs; checks combinations that no single row can. */
export function expandSweep(sweep: JobSweep, explicit: ReadonlySet<string>): JobOptions[] {
  checkCombination(sweep, explicit);
  let jobs: Record<string, unknown>[] = [{ ...sweep }];
  for (const d of JOB_OPTIONS) {
    if (!d.list) continue;
    const values = sweep[d.name] as readonly unknown[];
    jobs = jobs.flatMap((j) => values.map((v) => ({ ...j, [d.name]: v })));
  }
  const out = jobs as unknown as JobOptions[];
  for (const j of out) if (sweep.buffered) j.direct = false;
  return out;
}

function checkCombination(s: JobSweep, explicit: ReadonlySet<string>): void {
  if (s.buffered && explicit.has('direct') && s.direct) {
    throw new UsageError('--buffered and --direct 1 contradict each other: choose one');
  }
  if (s.verify_only && s.verify === 'none') throw new UsageError('--verify-only needs --verify crc32c (the format of the headers to check)');
  for (const bs of s.bs) {
    if (s.verify !== 'none' && bs.min < 64) throw new UsageError(`--bs ${bs.min}: verify needs blocks of at least 64 bytes (a 32-byte header + data)`);
    if (bs.min === 0) throw new UsageError('--bs: a block size must be at least 1 byte');
    if (bs.max % bs.min !== 0) throw new UsageError(`--bs ${bs.min}-${bs.max}: the maximum must be a multiple of the minimum (each IO is a multiple of the minimum)`);
  }
  const combos = JOB_OPTIONS.filter((d) => d.list).reduce((n, d) => n * (s[d.name] as readonly unknown[]).length, 1);
  if (combos > 256) throw new UsageError(`the lists given make ${combos} jobs; at most 256 per invocation`);
}

/** Names of the list rows that take more than one value (the columns of a sweep's table). */
export function sweptAxes(sweep: JobSweep): string[] {
  return JOB_OPTIONS.filter((d) => d.list && (sweep[d.name] as readonly unknown[]).length > 1).map((d) => d.name);
}

/** `strategy=pin iodepth=32`: a job's values on the swept axes (for progress lines and tables). */
export function jobLabel(job: JobOptions, axes: readonly string[]): string {
  return axes.map((a) => {
    const d = JOB_OPTIONS.find((x) => x.name === a)!;
    return `${a}=${(d.kind.show as (v: unknown) => string)((job as Record<string, unknown>)[a])}`;
  }).join(' ');
}
