/**
 * `biobench compare`: for each job, biobench and fio's io_uring engine on the same target with
 * the same job, alternating (who goes first alternates too, so drift hits both), `--reps` times;
 * medians compared as ratios biobench / fio. `--markdown` prints the table for BENCHMARKS.md.
 */
import type { CmdIo } from '../cli/cmd-io.ts';
import { UsageError } from '../cli/errors.ts';
import { fioArgs, fioCommand, fioVersion, runFio } from '../compare/fio-job.ts';
import type { JobResult } from '../job/run-job.ts';
import type { SweepOf } from '../options/def.ts';
import type { JobOptions, OPTION_TABLE } from '../options/table.ts';
import { fioDocument, jobJson, jobOptionsEcho } from '../output/fio-json.ts';
import { fixed, kilo, renderTable } from '../output/format.ts';
import { jobMetrics } from '../output/metrics.ts';
import type { JobMetrics } from '../output/metrics.ts';
import { describeTarget, regionOf } from '../job-target/target.ts';
import type { Target } from '../job-target/target.ts';
import { mergeGroup } from '../job/merge.ts';
import { failureOf, openTarget, planJobFile, planJobs, runPlan } from './jobs.ts';
import type { Plan } from './jobs.ts';
import { emit } from './run.ts';

type CompareValues = SweepOf<typeof OPTION_TABLE.compare>;

export interface CompareRow {
  job: JobOptions;
  strategy: string;
  biobench: JobMetrics[];
  fio: JobMetrics[];
  /** The fio command line run for this job, and fio's JSON of each rep (its `jobs[0]`). */
  fioCommand: string;
  fioJobs: Record<string, unknown>[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const med = (ms: JobMetrics[], k: keyof JobMetrics): number => median(ms.map((m) => m[k]));

/** How far apart the reps' IOPS are: (max − min) / median, in %; 0 for one rep. */
const spread = (ms: JobMetrics[]): number => {
  const xs = ms.map((m) => m.iops), m = median(xs);
  return m > 0 ? ((Math.max(...xs) - Math.min(...xs)) / m) * 100 : 0;
};

export async function cmdCompare(values: CompareValues, explicit: Set<string>, io: CmdIo, jobFile?: string): Promise<number> {
  const plan = jobFile === undefined ? await planJobs(values, explicit) : await planJobFile(jobFile, values, explicit);
  if (plan.jobs.some((j) => j.verify !== 'none')) throw new UsageError('compare runs performance jobs only: leave out --verify');
  const version = fioVersion(values.fio);
  if (plan.engine.name === 'stack' && plan.jobs.some((j) => j.driver === 'null')) throw new UsageError('compare needs a device fio can run on too: --driver null has no fio peer');
  const target = openTarget(plan.jobs, plan.engine);
  const rows: CompareRow[] = [];
  const ours: JobResult[] = [];
  try {
    io.err(`biobench compare: ${version} (io_uring engine) vs biobench (${plan.engine.name} engine) on ${describeTarget(target)}, ${values.reps} rep(s) each, alternating`);
    for (const job of plan.jobs) rows.push(await compareJob(job, plan, target, values, ours, io));
  } finally {
    target.release();
  }
  const f = failureOf(ours);
  if (f) throw f;
  const text = values.output_format === 'normal' ? `${compareTable(rows, plan.axes, values.markdown)}\n${plan.notes.map((n) => `note: ${n}\n`).join('')}`
    : `${JSON.stringify(fioDocument(ours, values.output_format === 'json+', { command: 'compare', argv: io.argv, notes: plan.notes },
      { compare: { fio_version: version, reps: values.reps, rows: rows.map((r) => ({
        options: jobOptionsEcho(ours.find((o) => o.job === r.job)!), strategy: r.strategy, biobench: r.biobench, fio: r.fio,
        fio_command: r.fioCommand, fio_jobs: r.fioJobs,
      })) } }), null, 2)}\n`;
  emit(values, text, io);
  return 0;
}

async function compareJob(job: JobOptions, plan: Plan, target: Target, v: CompareValues, ours: JobResult[], io: CmdIo): Promise<CompareRow> {
  const i = plan.jobs.indexOf(job);
  const one: Plan = { ...plan, jobs: [job], explicit: [plan.explicit[i] ?? new Set()] };
  const region = regionOf(target, job.offset, job.size, job.bs.min, job.bs.max, job.direct).size;
  const args = fioArgs(job, target.path, region);
  const row: CompareRow = { job, strategy: '', biobench: [], fio: [], fioCommand: fioCommand(v.fio, args), fioJobs: [] };
  io.err(`fio: ${row.fioCommand}`);
  for (let rep = 0; rep < v.reps; rep++) {
    const bb = async (): Promise<void> => {
      const r = mergeGroup(await runPlan(one, target, `biobench ${rep + 1}/${v.reps}`)); // numjobs clones: as fio's group_reporting
      ours.push(r);
      row.strategy = r.engine.strategy;
      row.biobench.push(jobMetrics(jobJson(r, false)));
    };
    const fio = (): void => {
      const j = runFio(v.fio, args);
      row.fioJobs.push(j);
      row.fio.push(jobMetrics(j));
    };
    if (rep % 2 === 0) {
      await bb();
      fio();
    } else {
      fio();
      await bb();
    }
  }
  return row;
}

export function compareTable(rows: CompareRow[], axes: string[], markdown: boolean): string {
  const strat = axes.includes('strategy') ? [] : ['strategy'];
  const header = [...axes, ...strat, 'biobench / fio IOPS', 'biobench IOPS', 'fio IOPS', 'IOPS spread % (b/f)', 'p50 µs (b/f)', 'p99 µs (b/f)', 'CPU µs/IO (b/f)', 'CPU ratio'];
  const body = rows.map((r) => {
    const b = r.biobench, f = r.fio;
    const echo: Record<string, string> = { bs: r.job.bs.min === r.job.bs.max ? String(r.job.bs.min) : `${r.job.bs.min}-${r.job.bs.max}`, iodepth: String(r.job.iodepth) };
    const cell = (k: keyof JobMetrics, d = 0): string => `${fixed(med(b, k), d)} / ${fixed(med(f, k), d)}`;
    return [
      ...axes.map((a) => echo[a] ?? String((r.job as Record<string, unknown>)[a] ?? '')), ...strat.map(() => r.strategy),
      fixed(med(b, 'iops') / med(f, 'iops'), 3), kilo(med(b, 'iops')), kilo(med(f, 'iops')), `${fixed(spread(b), 1)} / ${fixed(spread(f), 1)}`,
      cell('clat_p50_us'), cell('clat_p99_us'), cell('cpu_us_per_io', 2), fixed(med(b, 'cpu_us_per_io') / med(f, 'cpu_us_per_io'), 2),
    ];
  });
  return renderTable(header, body, markdown);
}
