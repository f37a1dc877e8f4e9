/**
 * `biobench report [results.json ...]`: an HTML report with plots, and each plot as a PNG made
 * without a browser. Without files it first runs the job given by the other options (like
 * `biobench run --output-format json`) and reports that.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CmdIo } from '../cli/cmd-io.ts';
import { RunError, UsageError } from '../cli/errors.ts';
import type { SweepOf } from '../options/def.ts';
import type { OPTION_TABLE } from '../options/table.ts';
import { fioDocument } from '../output/fio-json.ts';
import { abDifferences, abRuns, compareBars, iopsOverTime, iopsVsIodepth, latencyDistribution, latencyVsIodepth } from '../report/charts.ts';
import { reportHtml } from '../report/html.ts';
import type { Figure } from '../report/html.ts';
import { buildModel, loadDocument } from '../report/model.ts';
import type { ReportModel } from '../report/model.ts';
import { failureOf, openTarget, planJobs, runPlan } from './jobs.ts';

type ReportValues = SweepOf<typeof OPTION_TABLE.report>;

async function runForReport(v: ReportValues, explicit: Set<string>, io: CmdIo): Promise<Record<string, any>> {
  const plan = await planJobs(v, explicit);
  const target = openTarget(plan.jobs, plan.engine);
  try {
    for (const n of plan.notes) io.err(`note: ${n}`);
    const results = await runPlan(plan, target);
    const f = failureOf(results);
    if (f) throw f;
    return fioDocument(results, false, { command: 'report', argv: io.argv, notes: plan.notes });
  } finally {
    target.release();
  }
}

function figures(m: ReportModel): { name: string; title: string; option: Record<string, unknown> }[] {
  const out: { name: string; title: string; option: Record<string, unknown> | null }[] = [
    { name: 'iops.png', title: 'IOPS over time', option: iopsOverTime(m) },
    { name: 'latency.png', title: 'Latency distribution', option: latencyDistribution(m) },
    { name: 'iops-iodepth.png', title: 'IOPS vs iodepth', option: iopsVsIodepth(m) },
    { name: 'latency-iodepth.png', title: 'Completion latency vs iodepth', option: latencyVsIodepth(m) },
    ...m.ab.flatMap((ab, i) => [
      { name: `ab${i || ''}.png`, title: 'A/B comparison', option: abDifferences(ab) },
      { name: `ab${i || ''}-runs.png`, title: 'A/B runs', option: abRuns(ab) },
    ]),
    ...m.compare.map((c, i) => ({ name: `compare${i || ''}.png`, title: 'biobench vs fio', option: compareBars(c) })),
  ];
  return out.filter((f): f is { name: string; title: string; option: Record<string, unknown> } => f.option !== null);
}

/** IOs a job completed, over every direction (fio and biobench JSON alike). */
function jobIos(j: Record<string, any>): number {
  return ['read', 'write', 'trim'].reduce((n, d) => n + (Number(j[d]?.total_ios) || 0), 0);
}

/**
 * Refuse a model with nothing to plot (no job did any IO, and no A/B or compare results): a
 * report of empty plots must not look like success. Files: bad input (exit 2); its own run: exit 1.
 */
function checkHasData(m: ReportModel, files: string[]): void {
  if (m.ab.length > 0 || m.compare.length > 0 || m.jobs.some((j) => jobIos(j.raw) > 0)) return;
  const what = m.jobs.length === 0 ? 'no jobs' : `${m.jobs.length} job(s) that did no IO`;
  if (files.length === 0) throw new RunError(`report: nothing to plot: the run produced ${what} (ENODATA); no report written`, 'ENODATA');
  throw new UsageError(`report: nothing to plot in ${files.join(', ')}: ${what} (ENODATA); no report written`, 'ENODATA');
}

export async function cmdReport(files: string[], v: ReportValues, explicit: Set<string>, io: CmdIo): Promise<number> {
  const docs = files.length ? files.map(loadDocument) : [await runForReport(v, explicit, io)];
  const model = buildModel(files.length ? files : ['(this run)'], docs);
  checkHasData(model, files);
  const dir = resolve(v.out_dir);
  mkdirSync(dir, { recursive: true });
  const figs: Figure[] = [];
  const { renderChart } = await import('../report/render.ts'); // echarts + resvg: only when plotting
  for (const f of figures(model)) {
    const r = renderChart(f.option, v.width, v.height);
    writeFileSync(join(dir, f.name), r.png);
    figs.push({ name: f.name, title: f.title, svg: r.svg, png: f.name });
  }
  writeFileSync(join(dir, 'report.html'), reportHtml(model, figs));
  io.out(`report: ${join(dir, 'report.html')} (${figs.map((f) => f.name).join(', ') || 'no plots'}) from ${model.jobs.length} job(s)\n`);
  return 0;
}
