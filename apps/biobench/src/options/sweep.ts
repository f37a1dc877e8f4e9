/**
 * A sweep is the parsed options with list rows as lists; each combination is one job, in the
 * order the rows appear in the table (the last row varies fastest). Also the checks that involve
 * more than one option.
 */
import { UsageError } from '../cli/errors.ts';
import { blockSizes } from './kinds-fio.ts';
import type { SizeRange } from './kinds.ts';
import { JOB_OPTIONS, TRIM_MODES } from './table.ts';
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
  for (const j of out) resolveJob(j, explicit);
  return out;
}

/**
 * fio's options that are spelled through others: --buffered, rwmixwrite, bssplit (sets the
 * block-size range), time_based's default (time based unless --runtime 0), randrepeat=0 (a seed
 * from the clock).
 */
function resolveJob(j: JobOptions, explicit: ReadonlySet<string>): void {
  if (j.buffered) j.direct = false;
  if (j.rwmixwrite !== null && !explicit.has('rwmixread')) j.rwmixread = 100 - j.rwmixwrite;
  if (j.bssplit) {
    const range = (e: { bs: number }[]): { min: number; max: number } => ({ min: Math.min(...e.map((x) => x.bs)), max: Math.max(...e.map((x) => x.bs)) });
    j.bs = blockSizes(range(j.bssplit.read), range(j.bssplit.write));
  }
  if (j.time_based === null) j.time_based = j.runtime > 0;
  if (!j.randrepeat && !explicit.has('seed')) j.seed = (Date.now() ^ (process.pid << 16)) >>> 0;
}

function checkCombination(s: JobSweep, explicit: ReadonlySet<string>): void {
  if (s.buffered && explicit.has('direct') && s.direct) {
    throw new UsageError('--buffered and --direct 1 contradict each other: choose one');
  }
  if (s.verify_only && s.verify === 'none') throw new UsageError('--verify-only needs --verify crc32c, md5, sha256 or pattern (the format of the blocks to check)');
  if (s.verify !== 'none' && (TRIM_MODES as readonly string[]).includes(s.rw)) {
    throw new UsageError(`--verify with --rw ${s.rw}: a trimmed block reads back as zeroes, not as a verify block (fio's trim_verify_zero is not supported); verify a write job`);
  }
  if (s.verify === 'pattern' && !s.verify_pattern) throw new UsageError('--verify pattern needs --verify-pattern (the bytes every block must hold)');
  if (s.rwmixwrite !== null && explicit.has('rwmixread') && s.rwmixread + s.rwmixwrite !== 100) {
    throw new UsageError(`--rwmixread ${s.rwmixread} and --rwmixwrite ${s.rwmixwrite} do not add up to 100: give one of them`);
  }
  if (s.time_based === true && s.runtime === 0) throw new UsageError('--time-based needs a --runtime above 0 (how long to run)');
  if (s.fsync > 0 && s.fdatasync > 0) throw new UsageError('--fsync and --fdatasync both given: choose one');
  const split = s.bssplit ? [...s.bssplit.read, ...s.bssplit.write].map((e) => ({ min: e.bs, max: e.bs })) : [];
  const ranges: SizeRange[] = s.bssplit ? split : [s.bs.read, s.bs.write];
  const unit = Math.min(...ranges.map((r) => r.min));
  for (const bs of ranges) {
    if (s.verify !== 'none' && bs.min < 64) throw new UsageError(`--bs ${bs.min}: verify needs blocks of at least 64 bytes (a 32-byte header + data)`);
    if (bs.min === 0) throw new UsageError('--bs: a block size must be at least 1 byte');
    if (bs.max % bs.min !== 0) throw new UsageError(`--bs ${bs.min}-${bs.max}: the maximum must be a multiple of the minimum (each IO is a multiple of the minimum)`);
    if (bs.min % unit !== 0) throw new UsageError(`--bs/--bssplit: ${bs.min} is not a multiple of the smallest block size ${unit} (offsets are multiples of it)`);
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
