/**
 * What a report is made of, read from result files: biobench's JSON (run, ab, compare) or plain
 * fio JSON (no time series; latency from percentiles). Bad files are UsageErrors naming the file.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../cli/errors.ts';
import { jobMetrics } from '../output/metrics.ts';
import type { JobMetrics } from '../output/metrics.ts';

type Json = Record<string, any>;

export interface ReportJob {
  label: string;
  source: string;
  metrics: JobMetrics;
  /** Seconds and IOPS per interval (biobench only). */
  series: { t: number[]; iops: number[] } | null;
  /** Latency distribution: bucket lower edge (µs) and percent of IOs. */
  latHist: { us: number[]; pct: number[] } | null;
  /** Latency percentiles (µs) of the main direction. */
  percentiles: { p: number[]; us: number[] };
  engine: string;
  strategy: string;
  pages: string;
  /** The job's parameters as `key=value` text (rw, bs, iodepth, size, runtime...). */
  params: string;
  /** Queue depth (for the vs-iodepth plots), or null when unknown. */
  iodepth: number | null;
  raw: Json;
}

export interface ReportModel {
  files: string[];
  jobs: ReportJob[];
  ab: Json[];
  compare: Json[];
  host: Json | null;
}

export function loadDocument(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read results file ${path}: ${(e as Error).message}`);
  }
  try {
    const doc = JSON.parse(text.slice(Math.max(0, text.indexOf('{')))) as Json;
    if (!Array.isArray(doc.jobs)) throw new Error('no "jobs" array');
    return doc;
  } catch (e) {
    throw new UsageError(`${path} is not fio or biobench JSON (${(e as Error).message}); produce it with --output-format json`);
  }
}

/** A label per job: its name and the options that differ between the jobs; repeats get ` #n` (ab's runs). */
function optionsLabel(jobs: Json[]): string[] {
  const echoes = jobs.map((j) => (j['job options'] ?? {}) as Record<string, string>);
  const keys = [...new Set(echoes.flatMap((e) => Object.keys(e)))].filter((k) => k !== 'filename' && new Set(echoes.map((e) => e[k])).size > 1);
  const labels = jobs.map((j, i) => [j.jobname, ...keys.map((k) => `${k}=${echoes[i]![k] ?? '-'}`)].join(' '));
  const seen = new Map<string, number>();
  const count = new Map<string, number>();
  for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);
  return labels.map((l) => {
    if (count.get(l)! < 2) return l;
    const k = (seen.get(l) ?? 0) + 1;
    seen.set(l, k);
    return `${l} #${k}`;
  });
}

const PARAMS = ['rw', 'bs', 'iodepth', 'size', 'runtime', 'direct', 'ioengine', 'rwmixread'];

/** The job's main parameters: biobench's typed options, else fio's echo. */
function paramsOf(j: Json): { text: string; iodepth: number | null } {
  const o = j.biobench?.options as Json | undefined;
  const echo = (j['job options'] ?? {}) as Record<string, string>;
  if (!o) return { text: PARAMS.filter((k) => k in echo).map((k) => `${k}=${echo[k]}`).join(' '), iodepth: echo.iodepth ? Number(echo.iodepth) : null };
  const bs = o.bs?.read && o.bs.read.min === o.bs.write?.min ? o.bs.min : `${o.bs?.read?.min},${o.bs?.write?.min}`;
  const text = `rw=${o.rw} bs=${bs} iodepth=${o.iodepth} size=${o.size ?? 'all'} runtime=${o.runtime}ms${o.time_based === false ? ' (size based)' : ''} direct=${o.direct ? 1 : 0}`;
  return { text, iodepth: o.iodepth ?? null };
}

function reportJob(j: Json, label: string, source: string): ReportJob {
  const b = (j.biobench ?? null) as Json | null;
  const main = (j.write?.total_ios ?? 0) > (j.read?.total_ios ?? 0) ? j.write : j.read;
  const pct = (main?.clat_ns?.percentile ?? {}) as Record<string, number>;
  const ts = b?.time_series;
  const hist = b?.lat_hist?.all as { bucket_ns: number[]; count: number[] } | undefined;
  const total = hist ? hist.count.reduce((a, c) => a + c, 0) || 1 : 1;
  const pages = b?.pages;
  return {
    label, source, metrics: jobMetrics(j), raw: j,
    series: ts ? { t: ts.t_ms.map((t: number) => t / 1000), iops: ts.read_iops.map((r: number, i: number) => r + ts.write_iops[i]) } : null,
    latHist: hist ? { us: hist.bucket_ns.map((n) => n / 1000), pct: hist.count.map((c) => (c / total) * 100) } : null,
    percentiles: { p: Object.keys(pct).map(Number), us: Object.values(pct).map((v) => v / 1000) },
    engine: b?.engine ?? 'fio', strategy: b?.strategy ?? '-', params: paramsOf(j).text, iodepth: paramsOf(j).iodepth,
    pages: pages?.applicable ? `${pages.pins_acquired}/${pages.pins_released} pins, ${pages.refs_taken}/${pages.refs_released} refs` : '-',
  };
}

/** Load and merge result documents into one model. */
export function buildModel(files: string[], docs: Json[]): ReportModel {
  const m: ReportModel = { files, jobs: [], ab: [], compare: [], host: null };
  docs.forEach((doc, i) => {
    const labels = optionsLabel(doc.jobs);
    doc.jobs.forEach((j: Json, k: number) => m.jobs.push(reportJob(j, labels[k]!, files[i]!)));
    if (doc.biobench?.ab) m.ab.push(doc.biobench.ab);
    if (doc.biobench?.compare) m.compare.push(doc.biobench.compare);
    m.host ??= doc.biobench ?? null;
  });
  return m;
}
