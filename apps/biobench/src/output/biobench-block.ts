/**
 * The per-job `biobench` block of the JSON: what fio has no field for. Engine and strategy as
 * run, the target and region, CPU per IO, pages pinned/referenced and released, what biopath's
 * page cache did (buffered stack jobs; null otherwise), verify results,
 * the time series and a compact latency histogram (for `biobench report`).
 */
import { ddirName } from '../stats/io-stats.ts';
import { errnoName } from '@biopath/native';
import type { JobResult } from '../job/run-job.ts';
import { JOB_OPTIONS } from '../options/table.ts';
import { PLAT_NR, PLAT_VAL, platIdxToVal } from '../stats/plat-histogram.ts';
import type { PlatHistogram } from '../stats/plat-histogram.ts';

type Json = Record<string, unknown>;

/** Every job option as typed JSON (sizes in bytes, durations in ms). */
function typedOptions(r: JobResult): Json {
  return Object.fromEntries(JOB_OPTIONS.map((d) => [d.name, (r.job as Record<string, unknown>)[d.name] ?? null]));
}

const SUB = 4; // buckets per power of two in the compact histogram

/** Latency histogram with SUB buckets per octave: bucket lower edges (ns) and counts. */
export function compactHistogram(h: PlatHistogram): { bucket_ns: number[]; count: number[] } {
  const edges: number[] = [], counts: number[] = [];
  const per = PLAT_VAL / SUB;
  for (let i = 0; i < PLAT_NR; i += per) {
    let c = 0;
    for (let j = i; j < i + per; j++) c += h.bins[j]!;
    if (c === 0 && counts.length === 0) continue;
    edges.push(platIdxToVal(i));
    counts.push(c);
  }
  while (counts.length && counts[counts.length - 1] === 0) {
    counts.pop();
    edges.pop();
  }
  return { bucket_ns: edges, count: counts };
}

function series(r: JobResult): Json {
  const ts = r.series, n = ts.length;
  const arr = (a: Float64Array): number[] => Array.from(a.subarray(0, n));
  const rate = (a: Float64Array): number[] => arr(a).map((v, i) => {
    const dt = (ts.tMs[i]! - (i ? ts.tMs[i - 1]! : 0)) / 1000;
    return dt > 0 ? v / dt : 0;
  });
  return {
    interval_ms: ts.intervalMs, t_ms: arr(ts.tMs),
    read_iops: rate(ts.ios[0]), write_iops: rate(ts.ios[1]),
    read_bw_bytes: rate(ts.bytes[0]), write_bw_bytes: rate(ts.bytes[1]),
    lat_mean_ns: arr(ts.latMeanNs),
  };
}

export function biobenchJobBlock(r: JobResult, lat: PlatHistogram): Json {
  const ios = r.dirs[0].ios + r.dirs[1].ios + r.dirs[2].ios;
  const c = r.counters;
  return {
    engine: r.engine.engine, strategy: r.engine.strategy, release: r.engine.release, buffers: r.engine.buffers,
    driver: r.engine.driver, profile: r.engine.profile, sqpoll: r.engine.sqpoll,
    target: {
      path: r.target.path, kind: r.target.kind, temporary: r.target.temporary, size: r.target.size,
      logical_block_size: r.target.logicalBlockSize, dma_alignment: r.target.dmaAlignment + 1,
      region_offset: r.region.start, region_size: r.region.size,
    },
    cpu_us_per_io: ios ? (r.cpu.userUs + r.cpu.systemUs) / ios : 0,
    pages: { ...c, balanced: c.pins_acquired === c.pins_released && c.refs_taken === c.refs_released },
    cache: r.cache,
    verify: r.verify,
    error: r.error && {
      ddir: ddirName(r.error.ddir), offset: r.error.offset, len: r.error.len, res: r.error.res,
      errno: r.error.res < 0 ? errnoName(r.error.res) : 'short IO',
    },
    time_series: series(r),
    lat_hist: { read: compactHistogram(r.dirs[0].latHist), write: compactHistogram(r.dirs[1].latHist), all: compactHistogram(lat) },
    options: typedOptions(r),
    notes: r.engine.notes,
  };
}
