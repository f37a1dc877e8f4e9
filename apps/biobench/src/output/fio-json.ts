/**
 * Results in fio's JSON layout (stat.c show_thread_status_json / add_ddir_status_json): the same
 * key names and units (`bw` in KiB/s, `bw_bytes` in B/s, `*_ns` in ns, `runtime` in ms, CPU in
 * percent), so tools written for fio read biobench's output; plus a `biobench` block per job
 * (engine, strategy, pages, verify, time series) and one at the top (command, host).
 */
import { errno } from '@biopath/native';
import type { JobResult } from '../job/run-job.ts';
import { JOB_OPTIONS } from '../options/table.ts';
import { cpus, loadavg, release } from 'node:os';
import { DirStats } from '../stats/io-stats.ts';
import type { LatStat, TimeSeries } from '../stats/io-stats.ts';
import { PlatHistogram } from '../stats/plat-histogram.ts';
import { biobenchJobBlock } from './biobench-block.ts';
import { diskUtilJson } from './disk-util.ts';

export const BIOBENCH_VERSION = '0.1.0';

type Json = Record<string, unknown>;

function latJson(s: LatStat, h: PlatHistogram | null, plus: boolean, list?: readonly number[]): Json {
  const o: Json = { min: s.n ? Math.round(s.min) : 0, max: Math.round(s.max), mean: s.mean, stddev: s.stddev(), N: s.n };
  if (h && s.n > 0) {
    o.percentile = h.percentileObject(list);
    if (plus) o.bins = h.binsObject();
  }
  return o;
}

/** min/max/mean/stddev of per-interval rates from the time series (fio's bw_* and iops_*). */
function seriesStats(ts: TimeSeries, dir: 0 | 1, bytes: boolean): { min: number; max: number; mean: number; dev: number; n: number } {
  const xs: number[] = [];
  for (let i = 0; i < ts.length; i++) {
    const dt = (ts.tMs[i]! - (i ? ts.tMs[i - 1]! : 0)) / 1000;
    if (dt <= 0) continue;
    xs.push((bytes ? ts.bytes[dir][i]! / 1024 : ts.ios[dir][i]!) / dt);
  }
  if (!xs.length) return { min: 0, max: 0, mean: 0, dev: 0, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const dev = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { min: Math.min(...xs), max: Math.max(...xs), mean, dev, n: xs.length };
}

/** fio's percentile settings: which percentiles, and whether lat_ns gets them too. */
export interface PercentileOpts {
  list?: readonly number[];
  lat: boolean;
}

export function ddirJson(s: DirStats, elapsedMs: number, ts: TimeSeries | null, dir: 0 | 1, plus: boolean, pct: PercentileOpts = { lat: false }): Json {
  const sec = elapsedMs / 1000;
  const bwBytes = s.ios && sec > 0 ? Math.round(s.bytes / sec) : 0;
  const bw = ts && s.ios ? seriesStats(ts, dir, true) : { min: 0, max: 0, mean: 0, dev: 0, n: 0 };
  const io = ts && s.ios ? seriesStats(ts, dir, false) : { min: 0, max: 0, mean: 0, dev: 0, n: 0 };
  return {
    io_bytes: s.bytes, io_kbytes: Math.floor(s.bytes / 1024), bw_bytes: bwBytes, bw: Math.floor(bwBytes / 1024),
    iops: s.ios && sec > 0 ? s.ios / sec : 0, runtime: s.ios ? Math.round(elapsedMs) : 0,
    total_ios: s.ios, short_ios: s.shortIos, drop_ios: 0,
    slat_ns: latJson(s.slat, null, plus), clat_ns: latJson(s.clat, s.clatHist, plus, pct.list), lat_ns: latJson(s.lat, pct.lat ? s.latHist : null, plus, pct.list),
    bw_min: Math.round(bw.min), bw_max: Math.round(bw.max), bw_agg: s.ios ? 100 : 0, bw_mean: bw.mean, bw_dev: bw.dev, bw_samples: bw.n,
    iops_min: Math.round(io.min), iops_max: Math.round(io.max), iops_mean: io.mean, iops_stddev: io.dev, iops_samples: io.n,
  };
}

const LAT_NS = [2, 4, 10, 20, 50, 100, 250, 500, 750, 1000];
const LAT_MS = [2, 4, 10, 20, 50, 100, 250, 500, 750, 1000, 2000];

/** fio's latency_ns / latency_us / latency_ms: percent of IOs per total-latency bucket. */
function latencyBuckets(h: PlatHistogram): Json {
  const pct = (lo: number, hi: number): number => (h.total ? (h.fractionBelow(hi) - h.fractionBelow(lo)) * 100 : 0);
  const bucket = (edges: number[], scale: number, first: number): Json =>
    Object.fromEntries(edges.map((e, i) => [String(e), pct(i ? edges[i - 1]! * scale : first, e * scale)]));
  const ms = bucket(LAT_MS, 1e6, 1e6);
  ms['>=2000'] = h.total ? (1 - h.fractionBelow(2e9)) * 100 : 0;
  return { latency_ns: bucket(LAT_NS, 1, -1), latency_us: bucket(LAT_NS, 1e3, 1e3), latency_ms: ms };
}

/** fio's iodepth_level (keys 1..>=64) and iodepth_submit/_complete (keys 0..>=64): percent per bucket. */
function depthLevels(depth: Float64Array, keys = ['1', '2', '4', '8', '16', '32', '>=64']): Json {
  const total = depth.reduce((a, b) => a + b, 0) || 1;
  return Object.fromEntries(keys.map((k, i) => [k, (depth[i]! / total) * 100]));
}

const COUNT_KEYS = ['0', '4', '8', '16', '32', '64', '>=64'];

/** The fio name of a row: its `fio` column when that is one fio option name, else its own name. */
function fioName(d: (typeof JOB_OPTIONS)[number]): string {
  return /^[a-z_-]+$/.test(d.fio) ? d.fio : d.name;
}

/** A value as fio would echo it (ioengine and fixedbufs have their own spellings). */
function fioValue(name: string, text: string): string {
  if (name === 'engine') return text === 'uring' ? 'io_uring' : `biobench-${text}`;
  if (name === 'buffers') return text === 'registered' ? '1' : '0';
  return text;
}

/**
 * fio's "job options": only the options the user set (command line, job file), under fio's
 * names, as strings, in the table's order; biopath-only options under their own names.
 */
export function jobOptionsJson(r: Pick<JobResult, 'job' | 'set'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of JOB_OPTIONS) {
    if (!r.set.has(d.name) || CLI_ONLY_ECHO.has(d.name)) continue;
    const v = (r.job as Record<string, unknown>)[d.name];
    if (v === null || v === undefined) continue;
    out[fioName(d)] = fioValue(d.name, (d.kind.show as (x: unknown) => string)(v));
  }
  return out;
}

/** Command-line switches that are not job options in fio either. */
const CLI_ONLY_ECHO = new Set(['output_format', 'output', 'progress', 'allow_destructive', 'status_interval']);

/** Every job option's value as a string (for text output and tables), set by the user or not. */
export function jobOptionsEcho(r: JobResult): Record<string, string> {
  const out: Record<string, string> = { filename: r.target.path, ioengine: `biobench-${r.engine.engine}` };
  for (const d of JOB_OPTIONS) {
    if (d.group === 'Output' || d.name === 'target' || (d.group === 'Stack engine' && r.engine.engine !== 'stack')) continue;
    const v = (r.job as Record<string, unknown>)[d.name];
    if (v === null || v === undefined) continue;
    out[d.name] = (d.kind.show as (x: unknown) => string)(v);
  }
  return out;
}

/** fio's `error`: the errno of the job's first failure (EILSEQ for a verify mismatch, as fio), 0 when none. */
export function errorCode(r: JobResult): number {
  if (r.error) return r.error.res < 0 ? -r.error.res : errno.EIO;
  return r.verify && r.verify.mismatches > 0 ? errno.EILSEQ : 0;
}

export function jobJson(r: JobResult, plus: boolean): Json {
  const lat = new PlatHistogram();
  lat.merge(r.dirs[0].latHist);
  lat.merge(r.dirs[1].latHist);
  lat.merge(r.dirs[2].latHist);
  const cpuPct = (us: number): number => (r.elapsedMs > 0 ? (us / 1000 / r.elapsedMs) * 100 : 0);
  const pct: PercentileOpts = { lat: r.job.lat_percentiles, ...(r.job.percentile_list ? { list: r.job.percentile_list } : {}) };
  return {
    jobname: r.job.name, groupid: r.groupid, error: errorCode(r), eta: 0, elapsed: Math.ceil(r.elapsedMs / 1000),
    'job options': jobOptionsJson(r),
    read: ddirJson(r.dirs[0], r.elapsedMs, r.series, 0, plus, pct),
    write: ddirJson(r.dirs[1], r.elapsedMs, r.series, 1, plus, pct),
    trim: ddirJson(r.dirs[2], r.elapsedMs, null, 0, plus, pct), // no time series for trims: bw/iops min/max/samples 0
    sync: { total_ios: r.sync.n, lat_ns: latJson(r.sync, null, false) },
    job_runtime: Math.round(r.elapsedMs), usr_cpu: cpuPct(r.cpu.userUs), sys_cpu: cpuPct(r.cpu.systemUs),
    ctx: r.ctx, majf: r.majf, minf: r.minf,
    iodepth_level: depthLevels(r.depth),
    iodepth_submit: depthLevels(r.submit, COUNT_KEYS),
    iodepth_complete: depthLevels(r.complete, COUNT_KEYS),
    ...latencyBuckets(lat),
    latency_depth: r.job.iodepth, latency_target: 0, latency_percentile: 100, latency_window: 0,
    biobench: biobenchJobBlock(r, lat),
  };
}

export interface HostInfo {
  command: string;
  argv: string[];
  notes: string[];
  /** A job file's [global] options (fio's top-level "global options"). */
  global?: Pick<JobResult, 'job' | 'set'> | null;
}

/** The whole document: fio's top level, the jobs, and the run's `biobench` block. */
export function fioDocument(results: JobResult[], plus: boolean, host: HostInfo, extra: Json = {}): Json {
  const now = new Date();
  return {
    'fio version': `biobench-${BIOBENCH_VERSION}`,
    timestamp: Math.floor(now.getTime() / 1000), timestamp_ms: now.getTime(), time: ctime(now),
    ...(host.global ? { 'global options': jobOptionsJson(host.global) } : {}),
    jobs: results.map((r) => jobJson(r, plus)),
    disk_util: diskUtilJson(results.flatMap((r) => (r.disk ? [r.disk] : []))),
    biobench: { version: BIOBENCH_VERSION, command: host.command, argv: host.argv, notes: host.notes, ...hostFacts(), ...extra },
  };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's ctime() in local time without the newline, as fio's "time": `Wed Dec  2 15:55:05 2026`. */
export function ctime(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

function hostFacts(): Json {
  return { kernel: release(), node: process.version, cpus: cpus().length, loadavg: loadavg() };
}
