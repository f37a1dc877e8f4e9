/**
 * What run, ab, compare and report share: turn parsed options into jobs, pick the engine, check
 * and open the target once for all of them, run them in order, give the target back.
 */
import { ddirName } from '../stats/io-stats.ts';
import { errnoName } from '@biopath/native';
import { RunError, UsageError } from '../cli/errors.ts';
import { createProgress } from '../cli/progress.ts';
import { selectEngine } from '../engine/registry.ts';
import type { AnyIoEngine } from '../engine/engine.ts';
import { fileGroups, reportGroups, runGroups } from '../job/groups.ts';
import type { JobGroups } from '../job/groups.ts';
import { runJob } from '../job/run-job.ts';
import type { JobResult } from '../job/run-job.ts';
import { isTrim, readPercent } from '../job/workload.ts';
import { expandSweep, jobLabel, sweptAxes } from '../options/sweep.ts';
import type { JobOptions, JobSweep } from '../options/table.ts';
import { jobFileSweeps } from '../jobfile/options.ts';
import { DEFAULT_TEMP_SIZE, nullTarget, regionOf, resolveTarget } from '../job-target/target.ts';
import type { Target } from '../job-target/target.ts';
import { runClones } from '../workers/run-clones.ts';
import type { CloneSpec } from '../workers/run-clones.ts';

export interface Plan {
  jobs: JobOptions[];
  /** Per job: the options the user set (the JSON's "job options"). */
  explicit: ReadonlySet<string>[];
  /** A job file's `[global]` options, as fio echoes them ("global options"); null otherwise. */
  global?: { job: JobOptions; set: ReadonlySet<string> } | null;
  axes: string[];
  engine: AnyIoEngine;
  notes: string[];
  /**
   * A job file's groups (fio's): jobs of one `run` group run at once (a stonewall starts the next),
   * `id` is the reporting group (stonewall or new_group start a new one). A job not in the map
   * (a sweep's) is its own run group and reporting group, run after the previous one.
   */
  groups?: JobGroups;
}

const STACK_ONLY = ['strategy', 'release', 'driver', 'profile'] as const;
const DIRECT_ONLY = ['strategy', 'release'] as const;
const CACHE_ONLY = ['cache_size', 'readahead'] as const;

/**
 * Jobs of a sweep for the chosen engine; stack-only axes collapse (with a note) on uring, and
 * strategy/release (how direct IO takes pages) collapse on the stack engine's buffered mode.
 */
export async function planJobs(sweep: JobSweep, explicit: ReadonlySet<string>): Promise<Plan> {
  const direct = sweep.direct && !sweep.buffered;
  const { engine, note } = await selectEngine(sweep.engine, direct, isTrim(sweep.rw));
  const notes = note ? [note] : [];
  let s = sweep;
  const flags = (ks: readonly string[]): string => ks.map((k) => `--${k.replace(/_/g, '-')}`).join(', ');
  if (engine.name === 'uring') {
    const ignored = [...STACK_ONLY, ...CACHE_ONLY].filter((k) => explicit.has(k));
    if (ignored.length) notes.push(`${flags(ignored)} apply to the stack engine only; the uring engine ran once per remaining combination (strategy: raw)`);
    s = { ...sweep, strategy: [sweep.strategy[0]!], release: [sweep.release[0]!], driver: [sweep.driver[0]!], profile: [sweep.profile[0]!] };
  } else if (!direct) {
    const ignored = DIRECT_ONLY.filter((k) => explicit.has(k));
    if (ignored.length) notes.push(`${flags(ignored)} apply to direct IO only; buffered IO copies through biopath's page cache (strategy: cache)`);
    s = { ...sweep, strategy: [sweep.strategy[0]!], release: ['auto'] };
  } else {
    const ignored = CACHE_ONLY.filter((k) => explicit.has(k));
    if (ignored.length) notes.push(`${flags(ignored)} apply to buffered jobs (--direct 0) only`);
  }
  const jobs = expandSweep(s, explicit);
  for (const j of jobs) {
    const why = engine.check?.(j);
    if (why) throw new UsageError(why);
    if (j.numjobs > 1 && j.verify !== 'none') throw new UsageError(`--numjobs ${j.numjobs} with --verify: clones writing the same region at once would fail each other's checks; verify with --numjobs 1`);
  }
  const set = new Set(explicit);
  if (explicit.has('buffered')) set.add('direct');
  return { jobs, explicit: jobs.map(() => set), axes: sweptAxes(s), engine, notes };
}

/**
 * The plan of a job file: each section planned as its own sweep (command-line lists still sweep
 * within it), in file order, on one engine and one target. Axes: `name` first (the section).
 */
export async function planJobFile<V extends JobSweep>(file: string, cli: V, cliExplicit: ReadonlySet<string>): Promise<Plan> {
  const sections = jobFileSweeps(file, cli, cliExplicit);
  const plans: Plan[] = [];
  for (const s of sections) plans.push(await planJobs(s.values, s.explicit));
  const first = plans[0]!;
  const jobs = plans.flatMap((p) => p.jobs);
  for (const [i, p] of plans.entries()) {
    const s = sections[i]!;
    if (p.engine !== first.engine) {
      throw new UsageError(`${file}: job '${s.section}' runs on a different engine than '${sections[0]!.section}' (${p.engine.name}${s.values.direct && !s.values.buffered ? '' : ', buffered'}); the jobs of one job file share one engine: make them all direct or all buffered`);
    }
    const j = p.jobs[0]!;
    if (j.target !== jobs[0]!.target) throw new UsageError(`${file}: job '${s.section}' names filename=${j.target ?? '(none)'} but '${sections[0]!.section}' ${jobs[0]!.target ?? '(none)'}; the jobs of one job file share one target`);
  }
  const notes = [...new Set(plans.flatMap((p) => p.notes))];
  const { ordered, groups } = fileGroups(plans, sections.map((x) => x.ordering));
  for (const g of new Set([...groups.values()].map((x) => x.run))) {
    const together = ordered.filter((j) => groups.get(j)!.run === g);
    if (together.length > 1 && together.some((j) => j.verify !== 'none')) {
      throw new UsageError(`${file}: jobs ${together.map((j) => `'${j.name}'`).join(', ')} run at once (no stonewall between them) and one verifies: their writes would fail each other's checks; put stonewall on the job after a verify job`);
    }
  }
  const axes = ['name', ...new Set(plans.flatMap((p) => p.axes))];
  const own = new Map<JobOptions, ReadonlySet<string>>();
  plans.forEach((p, i) => p.jobs.forEach((j) => own.set(j, sections[i]!.echoOwn)));
  return { jobs: ordered, explicit: ordered.map((j) => own.get(j)!), global: { job: jobs[0]!, set: sections[0]!.echoGlobal }, axes, engine: first.engine, notes, groups };
}

/** Does any job write (its workload, or the layout before a verified read)? */
export function jobsWrite(jobs: JobOptions[]): { write: boolean; reason: string } {
  for (const j of jobs) {
    if (readPercent(j.rw, j.rwmixread) < 100 && !j.verify_only) return { write: true, reason: `rw=${j.rw}` };
    if (j.verify !== 'none' && !j.verify_only) return { write: true, reason: '--verify lays the region out with verify headers first' };
  }
  return { write: false, reason: '' };
}

/** Check and (for the default) create the target all jobs share, and every job's region on it. */
export function openTarget(jobs: JobOptions[], engine: AnyIoEngine | null = null): Target {
  const j0 = jobs[0]!;
  const w = jobsWrite(jobs);
  const tempSize = Math.max(...jobs.map((j) => j.offset + (typeof j.size === 'number' ? j.size : DEFAULT_TEMP_SIZE)));
  const noDevice = engine?.name === 'stack' && j0.target === null && jobs.every((j) => j.driver === 'null');
  const t = noDevice ? nullTarget(tempSize) : resolveTarget({
    // the stack engine's bdev driver opens O_DIRECT even for buffered jobs: biopath's cache sits above it
    path: j0.target, tempSize, write: w.write, writeReason: w.reason, direct: jobs.some((j) => j.direct || (engine?.name === 'stack' && j.driver === 'bdev')), allowDestructive: j0.allow_destructive,
  });
  try {
    for (const j of jobs) regionOf(t, j.offset, j.size, j.bs.min, j.bs.max, j.direct);
  } catch (e) {
    t.release();
    throw e;
  }
  return t;
}

/**
 * Run the plan on `target`: each run group after the previous one; within a group every job's
 * `numjobs` clones at once, each on its own worker thread (a group of one clone runs here unless
 * its job sets `thread`); one progress line per group. Results in job then clone order; with
 * group_reporting a reporting group's results are merged into one (fio's sum_thread_stats).
 * Rejects with a worker's error (its code).
 */
export async function runPlan(plan: Plan, target: Target, label = ''): Promise<JobResult[]> {
  const out: JobResult[] = [];
  let index = 1;
  for (const g of runGroups(plan)) {
    const specs: (CloneSpec & { groupid: number })[] = g.jobs.flatMap((job, i) => Array.from({ length: job.numjobs }, (_, clone) => ({ job, id: { index: index++, clone }, groupid: g.ids[i]!, set: plan.explicit[plan.jobs.indexOf(job)] ?? new Set<string>() })));
    const job = specs[0]!.job;
    const what = label || jobLabel(job, plan.axes) || job.name;
    const p = createProgress(job.progress, job.output_format, specs.length > 1 ? `${what} (${specs.length} threads)` : what);
    let rs: JobResult[];
    try {
      rs = specs.length === 1 && !job.thread ? [await runJob(job, target, plan.engine, p ?? undefined, specs[0]!.id, undefined, specs[0]!.set)] : await runClones(specs, target, plan.engine, p ?? undefined);
    } finally {
      p?.stop();
    }
    rs.forEach((r, i) => (r.groupid = specs[i]!.groupid));
    out.push(...reportGroups(rs));
  }
  return out;
}

/** The failure to report after the results are printed: the first IO error or verify mismatch. */
export function failureOf(results: JobResult[]): RunError | null {
  for (const r of results) {
    if (r.error) {
      const e = r.error;
      const what = e.res < 0 ? `failed with ${errnoName(e.res)} (${e.res})` : `was short: ${e.res} of ${e.len} bytes`;
      return new RunError(`${r.job.name}: ${ddirName(e.ddir)} of ${e.len} bytes at offset ${e.offset} ${what}`);
    }
    if (r.verify && r.verify.mismatches > 0) {
      const f = r.verify.first_mismatches.map((m) => `  offset ${m.offset}: ${m.reason}`).join('\n');
      return new RunError(`verify failed: ${r.verify.mismatches} bad block(s) of ${r.verify.units_verified} checked on ${r.target.path}\n${f}`);
    }
  }
  return null;
}
