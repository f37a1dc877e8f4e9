/**
 * The report's plots as ECharts options (rendered server-side to SVG by report/render.ts):
 * IOPS over time, latency distribution, A/B differences with their intervals, A/B runs, and
 * biobench vs fio.
 */
import type { ReportModel } from './model.ts';

type Opt = Record<string, unknown>;

const base = (title: string, sub = ''): Opt => ({
  animation: false,
  backgroundColor: '#ffffff',
  textStyle: { fontFamily: 'DejaVu Sans, sans-serif' },
  title: { text: title, subtext: sub, left: 'center', textStyle: { fontSize: 15 } },
  grid: { left: 80, right: 30, top: 70, bottom: 95, containLabel: true },
  // a scrolling legend keeps to one row under the axis name instead of running over it
  // (server-side text widths are estimates: a wide gap keeps one entry's text off the next's symbol)
  legend: { bottom: 5, type: 'scroll', left: 40, right: 40, itemGap: 36, textStyle: { fontSize: 11 } },
});

/** Fewest points a time chart needs to show a trend (fewer: the plot is left out). */
export const MIN_TIME_POINTS = 3;

export function iopsOverTime(m: ReportModel): Opt | null {
  const jobs = m.jobs.filter((j) => j.series && j.series.t.length >= MIN_TIME_POINTS);
  if (!jobs.length) return null;
  return {
    ...base('IOPS over time', `one point per --log-avg-msec interval (${jobs.length} job${jobs.length > 1 ? 's' : ''})`),
    xAxis: { type: 'value', name: 'seconds', nameLocation: 'middle', nameGap: 28, min: 0 },
    yAxis: { type: 'value', name: 'IOPS', min: 0 },
    series: jobs.map((j) => ({ type: 'line', name: j.label, showSymbol: true, symbolSize: 4, data: j.series!.t.map((t, i) => [t, Math.round(j.series!.iops[i]!)]) })),
  };
}

export function latencyDistribution(m: ReportModel): Opt | null {
  const hist = m.jobs.filter((j) => j.latHist && j.latHist.us.length > 0);
  if (hist.length) {
    return {
      ...base('Latency distribution', 'share of IOs per latency bucket (submission to completion), log scale'),
      xAxis: { type: 'log', name: 'latency (µs)', nameLocation: 'middle', nameGap: 28, logBase: 10 },
      yAxis: { type: 'value', name: '% of IOs', min: 0 },
      series: hist.map((j) => ({ type: 'line', step: 'start', name: j.label, showSymbol: false, data: j.latHist!.us.map((u, i) => [Math.max(u, 0.001), +j.latHist!.pct[i]!.toFixed(3)]) })),
    };
  }
  const pc = m.jobs.filter((j) => j.percentiles.p.length > 0);
  if (!pc.length) return null;
  return {
    ...base('Completion latency percentiles', 'clat_ns.percentile'),
    xAxis: { type: 'category', name: 'percentile', nameLocation: 'middle', nameGap: 28, data: pc[0]!.percentiles.p.map(String) },
    yAxis: { type: 'log', name: 'µs' },
    series: pc.map((j) => ({ type: 'line', name: j.label, data: j.percentiles.us })),
  };
}

/** Jobs of a sweep over iodepth, grouped by what else differs (the label without iodepth). */
function depthGroups(m: ReportModel): { depths: number[]; groups: Map<string, ReportModel['jobs']> } | null {
  const jobs = m.jobs.filter((j) => j.iodepth !== null);
  const depths = [...new Set(jobs.map((j) => j.iodepth!))].sort((a, b) => a - b);
  if (depths.length < 2) return null;
  const groups = new Map<string, ReportModel['jobs']>();
  for (const j of jobs) {
    const rest = j.label.replace(/\s*iodepth=\S+/, '').replace(/\s+#\d+$/, '').replace(/^\S+\s*/, ''); // what differs besides iodepth
    const key = rest || `${j.engine} ${j.strategy}`;
    groups.set(key, [...(groups.get(key) ?? []), j]);
  }
  return { depths, groups };
}

/** A sweep's IOPS against iodepth, one line per group of otherwise equal jobs. */
export function iopsVsIodepth(m: ReportModel): Opt | null {
  const g = depthGroups(m);
  if (!g) return null;
  return {
    ...base('IOPS vs iodepth', 'one point per job of the sweep'),
    xAxis: { type: 'category', name: 'iodepth', nameLocation: 'middle', nameGap: 28, data: g.depths.map(String) },
    yAxis: { type: 'value', name: 'IOPS', min: 0 },
    series: [...g.groups].map(([name, js]) => ({ type: 'line', name, data: g.depths.map((d) => Math.round(js.find((j) => j.iodepth === d)?.metrics.iops ?? Number.NaN)) })),
  };
}

/** A sweep's median and p99 completion latency against iodepth. */
export function latencyVsIodepth(m: ReportModel): Opt | null {
  const g = depthGroups(m);
  if (!g) return null;
  const line = (name: string, js: ReportModel['jobs'], k: 'clat_p50_us' | 'clat_p99_us'): Opt => ({
    type: 'line', name: `${name} ${k === 'clat_p50_us' ? 'p50' : 'p99'}`, lineStyle: k === 'clat_p99_us' ? { type: 'dashed' } : {},
    data: g.depths.map((d) => +(js.find((j) => j.iodepth === d)?.metrics[k] ?? Number.NaN).toFixed(1)),
  });
  return {
    ...base('Completion latency vs iodepth', 'clat p50 (solid) and p99 (dashed), µs'),
    xAxis: { type: 'category', name: 'iodepth', nameLocation: 'middle', nameGap: 28, data: g.depths.map(String) },
    yAxis: { type: 'log', name: 'µs' },
    series: [...g.groups].flatMap(([name, js]) => [line(name, js, 'clat_p50_us'), line(name, js, 'clat_p99_us')]),
  };
}

/** Each metric's A vs B change with its interval (a box whose whiskers are the interval). */
export function abDifferences(ab: Record<string, any>): Opt {
  const ms = (ab.metrics as any[]).filter((x) => x.a.mean > 0 && x.b.mean > 0);
  return {
    ...base('A vs B: change of each metric', `${ab.design === 'blocks' ? `${ab.groups} ABBA/BAAB groups of blocks` : `mean of ${ab.pairs} paired runs`} with its ${Math.round(ab.confidence * 100)}% interval; A: ${ab.a}   B: ${ab.b}`),
    xAxis: { type: 'category', data: ms.map((x) => x.label), axisLabel: { interval: 0 } },
    yAxis: { type: 'value', name: 'A vs B (%)' },
    series: [
      { type: 'boxplot', name: 'interval', data: ms.map((x) => [x.ci_pct[0], x.ci_pct[0], x.change_pct, x.ci_pct[1], x.ci_pct[1]].map((v: number) => +v.toFixed(2))) },
      { type: 'scatter', name: 'A vs B', symbolSize: 10, data: ms.map((x) => +x.change_pct.toFixed(2)), markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0 }] } },
    ],
  };
}

export function abRuns(ab: Record<string, any>): Opt {
  const iops = (ab.metrics as any[]).find((m) => m.key === 'iops') ?? (ab.metrics as any[])[0];
  const idx = iops.a.samples.map((_: number, i: number) => String(i + 1));
  return {
    ...base('A/B runs: IOPS of each pair', `${ab.design === 'blocks' ? `blocks in ${(ab.processes ?? 1) > 1 ? `${ab.processes} processes` : 'one process'} (per-run samples: none)` : `order ${ab.order}`}; verdict: ${ab.verdict}`),
    xAxis: { type: 'category', name: 'pair', nameLocation: 'middle', nameGap: 28, data: idx },
    yAxis: { type: 'value', name: 'IOPS', scale: true },
    series: [
      { type: 'line', name: `A: ${ab.a}`, data: iops.a.samples.map(Math.round) },
      { type: 'line', name: `B: ${ab.b}`, data: iops.b.samples.map(Math.round) },
    ],
  };
}

export function compareBars(c: Record<string, any>): Opt {
  const med = (xs: { iops: number }[]): number => [...xs.map((x) => x.iops)].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const labels = (c.rows as any[]).map((r) => `${r.strategy} bs=${r.options.bs} qd=${r.options.iodepth}`);
  return {
    ...base('biobench vs fio (io_uring engine)', `median IOPS of ${c.reps} alternating rep(s); ${c.fio_version}`),
    xAxis: { type: 'category', data: labels, axisLabel: { interval: 0 } },
    yAxis: { type: 'value', name: 'IOPS', min: 0 },
    series: [
      { type: 'bar', name: 'biobench', data: (c.rows as any[]).map((r) => Math.round(med(r.biobench))) },
      { type: 'bar', name: 'fio', data: (c.rows as any[]).map((r) => Math.round(med(r.fio))) },
    ],
  };
}
