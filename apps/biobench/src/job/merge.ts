/**
 * group_reporting: the results of one reporting group as one, the way fio's sum_thread_stats()
 * merges threads: IOs and bytes summed (so IOPS and bandwidth are sums over the group's runtime,
 * the longest clone's), min/max/mean/stddev combined exactly (Chan's parallel Welford, fio's
 * sum_stat), latency histograms added bucket by bucket — percentiles come from the merged
 * histogram, never from averaging the clones' percentiles — and CPU, context switches, faults
 * and page counters summed. The time series add up interval by interval.
 */
import type { CacheStats } from '../engine/engine.ts';
import { DirStats, LatStat, TimeSeries } from '../stats/io-stats.ts';
import type { JobResult } from './run-job.ts';

/** Fold `b` into `a` (fio's sum_stat): exact for min, max, mean and the sum of squared deviations. */
export function mergeLatStat(a: LatStat, b: LatStat): void {
  if (b.n === 0) return;
  const n = a.n + b.n, delta = b.mean - a.mean;
  a.m2 += b.m2 + (delta * delta * a.n * b.n) / n;
  a.mean += (delta * b.n) / n;
  a.n = n;
  if (b.min < a.min) a.min = b.min;
  if (b.max > a.max) a.max = b.max;
}

function mergeDirs(ds: DirStats[]): DirStats {
  const out = new DirStats();
  for (const d of ds) {
    out.ios += d.ios;
    out.bytes += d.bytes;
    out.shortIos += d.shortIos;
    mergeLatStat(out.slat, d.slat);
    mergeLatStat(out.clat, d.clat);
    mergeLatStat(out.lat, d.lat);
    out.clatHist.merge(d.clatHist);
    out.latHist.merge(d.latHist);
  }
  return out;
}

function mergeSeries(ss: TimeSeries[]): TimeSeries {
  const len = Math.max(...ss.map((s) => s.length));
  const out = new TimeSeries(ss[0]!.intervalMs, Math.max(1, len));
  for (let i = 0; i < len; i++) {
    let latW = 0, latN = 0;
    for (const s of ss) {
      if (i >= s.length) continue;
      out.tMs[i] = Math.max(out.tMs[i]!, s.tMs[i]!);
      for (const d of [0, 1] as const) {
        out.ios[d][i]! += s.ios[d][i]!;
        out.bytes[d][i]! += s.bytes[d][i]!;
      }
      const n = s.ios[0][i]! + s.ios[1][i]!;
      latW += s.latMeanNs[i]! * n;
      latN += n;
    }
    out.latMeanNs[i] = latN ? latW / latN : 0;
  }
  out.length = len;
  return out;
}

/** Every numeric field summed, recursively (CacheStats and its reclaim_skipped). */
function sumFields<T>(xs: T[]): T {
  const first = xs[0] as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(first)) {
    const v = first[k];
    out[k] = typeof v === 'number' ? xs.reduce((a, x) => a + ((x as Record<string, number>)[k] ?? 0), 0)
      : v && typeof v === 'object' ? sumFields(xs.map((x) => (x as Record<string, unknown>)[k])) : v;
  }
  return out as T;
}

/**
 * One result for a reporting group (at least one result): the first job's name, options and
 * engine; `clones` = how many results it stands for; the first IO error of any clone.
 */
export function mergeGroup(rs: JobResult[]): JobResult {
  const f = rs[0]!;
  if (rs.length === 1) return f;
  const cache = rs.every((r) => r.cache) ? sumFields(rs.map((r) => r.cache as CacheStats)) : null;
  const sum = (get: (r: JobResult) => Float64Array): Float64Array => {
    const out = new Float64Array(get(f).length);
    for (const r of rs) for (let i = 0; i < out.length; i++) out[i]! += get(r)[i]!;
    return out;
  };
  const sync = new LatStat();
  for (const r of rs) mergeLatStat(sync, r.sync);
  return {
    ...f,
    dirs: [mergeDirs(rs.map((r) => r.dirs[0])), mergeDirs(rs.map((r) => r.dirs[1])), mergeDirs(rs.map((r) => r.dirs[2]))],
    series: mergeSeries(rs.map((r) => r.series)),
    depth: sum((r) => r.depth), submit: sum((r) => r.submit), complete: sum((r) => r.complete), sync,
    elapsedMs: Math.max(...rs.map((r) => r.elapsedMs)),
    cpu: { userUs: rs.reduce((a, r) => a + r.cpu.userUs, 0), systemUs: rs.reduce((a, r) => a + r.cpu.systemUs, 0) },
    ctx: rs.reduce((a, r) => a + r.ctx, 0), majf: rs.reduce((a, r) => a + r.majf, 0), minf: rs.reduce((a, r) => a + r.minf, 0),
    counters: { ...sumFields(rs.map((r) => r.counters)), applicable: f.counters.applicable },
    cache,
    verify: null,
    error: rs.find((r) => r.error)?.error ?? null,
    startedAt: Math.min(...rs.map((r) => r.startedAt)),
    clones: rs.reduce((a, r) => a + r.clones, 0),
    logFiles: rs.flatMap((r) => r.logFiles),
  };
}
