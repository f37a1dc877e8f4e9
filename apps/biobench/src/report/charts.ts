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
  grid: { left: 80, right: 30, top: 70, bottom: 80 },
  legend: { bottom: 5, type: 'plain' },
});

export function iopsOverTime(m: ReportModel): Opt | null {
  const jobs = m.jobs.filter((j) => j.series && j.series.t.length > 0);
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
    ...base('A/B runs: IOPS of each pair', `${ab.design === 'blocks' ? 'blocks in one process (per-run samples: none)' : `order ${ab.order}`}; verdict: ${ab.verdict}`),
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
