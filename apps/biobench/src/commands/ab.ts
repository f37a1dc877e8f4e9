/**
 * `biobench ab A B`: the two configurations (key=value lists over the common options) run
 * interleaved, A B A B ..., on one target; each metric's difference gets a confidence interval
 * and a plain verdict, and a noisy machine is flagged (ab/stats.ts, ab/noise.ts).
 */
import type { CmdIo } from '../cli/cmd-io.ts';
import { UsageError } from '../cli/errors.ts';
import { cpuTimes, judgeNoise, load1 } from '../ab/noise.ts';
import type { NoiseReport } from '../ab/noise.ts';
import { compareMetric } from '../ab/stats.ts';
import type { Comparison } from '../ab/stats.ts';
import type { JobResult } from '../job/run-job.ts';
import { jobFileSweeps } from '../jobfile/options.ts';
import { applyAssignments } from '../options/parse.ts';
import type { SweepOf } from '../options/def.ts';
import { JOB_OPTIONS, OPTION_TABLE } from '../options/table.ts';
import type { JobSweep } from '../options/table.ts';
import { fioDocument, jobJson } from '../output/fio-json.ts';
import { AB_METRICS, jobMetrics } from '../output/metrics.ts';
import { fixed, kilo, renderTable } from '../output/format.ts';
import { describeTarget } from '../job-target/target.ts';
import { emit } from './run.ts';
import { mergeGroup } from '../job/merge.ts';
import { failureOf, openTarget, planJobs, runPlan } from './jobs.ts';
import type { Plan } from './jobs.ts';

type AbValues = SweepOf<typeof OPTION_TABLE.ab>;

/** A job file for ab: exactly one job, the base A and B are applied over. */
function oneFileJob(file: string, cli: AbValues, cliExplicit: Set<string>): { values: AbValues; explicit: Set<string> } {
  const jobs = jobFileSweeps(file, cli, cliExplicit);
  if (jobs.length !== 1) throw new UsageError(`${file}: ab takes a job file with one job (the base of A and B); it has ${jobs.length}: ${jobs.map((j) => j.section).join(', ')}`);
  return jobs[0]!;
}

async function side(text: string, base: AbValues, explicit: Set<string>, name: string): Promise<Plan> {
  const { values, explicit: ex } = applyAssignments(text, JOB_OPTIONS, base as JobSweep, explicit);
  const plan = await planJobs(values, ex);
  if (plan.jobs.length !== 1) throw new UsageError(`configuration ${name} ('${text}') makes ${plan.jobs.length} jobs; A and B must each be one job (no comma lists)`);
  plan.jobs[0]!.name = name;
  return plan;
}

export async function cmdAb(aText: string, bText: string, cli: AbValues, cliExplicit: Set<string>, io: CmdIo, jobFile?: string): Promise<number> {
  const { values, explicit } = jobFile === undefined ? { values: cli, explicit: cliExplicit } : oneFileJob(jobFile, cli, cliExplicit);
  const a = await side(aText, values, explicit, 'A'), b = await side(bText, values, explicit, 'B');
  const ja = a.jobs[0]!, jb = b.jobs[0]!;
  if (ja.target !== jb.target) throw new UsageError('A and B must run on the same target: set --target outside the configurations');
  const target = openTarget([ja, jb], a.engine);
  const runs: { A: JobResult[]; B: JobResult[] } = { A: [], B: [] };
  const before = cpuTimes(), load = load1();
  try {
    if (values.output_format === 'normal') io.err(`biobench ab: ${values.pairs} pairs, A B A B ..., ${a.engine.name} engine, on ${describeTarget(target)}`);
    for (let i = 0; i < values.pairs; i++) {
      // one result per run: numjobs clones as fio's group_reporting would
      runs.A.push(mergeGroup(await runPlan(a, target, `A ${i + 1}/${values.pairs}`)));
      runs.B.push(mergeGroup(await runPlan(b, target, `B ${i + 1}/${values.pairs}`)));
    }
  } finally {
    target.release();
  }
  const f = failureOf([...runs.A, ...runs.B]);
  if (f) throw f;
  const ma = runs.A.map((r) => jobMetrics(jobJson(r, false))), mb = runs.B.map((r) => jobMetrics(jobJson(r, false)));
  const opts = { confidence: values.confidence, resamples: values.resamples, seed: values.seed };
  const comparisons = AB_METRICS.map((m) => compareMetric(m, ma.map((x) => x[m.key]), mb.map((x) => x[m.key]), opts));
  const noise = judgeNoise(ma.map((x) => x.iops), mb.map((x) => x.iops), values.noise_threshold, before, cpuTimes(), load);
  const all = [...a.notes, ...b.notes];
  const text = values.output_format === 'normal'
    ? abText(aText, bText, comparisons, noise, values.confidence, values.pairs, all)
    : `${JSON.stringify(fioDocument([...runs.A, ...runs.B], values.output_format === 'json+', { command: 'ab', argv: io.argv, notes: all },
      { ab: abJson(aText, bText, comparisons, noise, values) }), null, 2)}\n`;
  emit(values, text, io);
  return 0;
}

function fmt(v: number, unit: string): string {
  if (unit === 'MiB/s') return fixed(v / 2 ** 20, 1);
  return unit === '' ? kilo(v) : fixed(v, v < 100 ? 2 : 0);
}

export function abText(aText: string, bText: string, cs: Comparison[], noise: NoiseReport, conf: number, pairs: number, notes: string[]): string {
  const rows = cs.map((c) => [
    `${c.metric.label}${c.metric.unit ? ` (${c.metric.unit})` : ''}`, fmt(c.a.mean, c.metric.unit), fmt(c.b.mean, c.metric.unit),
    `${c.changePct >= 0 ? '+' : ''}${c.changePct.toFixed(1)}%`, `[${c.ciPct[0].toFixed(1)}%, ${c.ciPct[1].toFixed(1)}%]`, c.verdict,
  ]);
  const iops = cs[0]!;
  const lines = [
    `A: ${aText}`, `B: ${bText}`, `${pairs} pairs, interleaved A B A B ...; intervals: ${Math.round(conf * 100)}% (wider of paired bootstrap and Student t on log-ratios)`, '',
    renderTable(['metric', 'A mean', 'B mean', 'A vs B', 'CI', 'verdict'], rows), '',
    `verdict: ${iops.verdict}`,
    noise.noisy ? `WARNING: noisy machine — ${noise.reasons.join('; ')}. Treat the verdict with care; rerun on a quiet machine or with more --pairs.`
      : `machine: quiet enough (IOPS CV A ${noise.cvPct.a.toFixed(1)}%, B ${noise.cvPct.b.toFixed(1)}%; steal ${noise.stealPct.toFixed(1)}%)`,
    ...notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}

function abJson(aText: string, bText: string, cs: Comparison[], noise: NoiseReport, v: AbValues): Record<string, unknown> {
  return {
    a: aText, b: bText, pairs: v.pairs, confidence: v.confidence, resamples: v.resamples, order: 'ABAB',
    verdict: cs[0]!.verdict, noise,
    metrics: cs.map((c) => ({
      key: (c.metric as { key?: string }).key, label: c.metric.label, unit: c.metric.unit, better: c.metric.better,
      a: c.a, b: c.b, change_pct: c.changePct, ci_pct: c.ciPct, significant: c.significant, winner: c.winner,
      by_pct: c.byPct, pm_pct: c.pmPct, verdict: c.verdict,
    })),
  };
}
