/**
 * A JobResult across a worker boundary: structured clone keeps plain data and typed arrays but
 * drops class prototypes and refuses functions, so a clone's result travels as plain fields
 * (counters, Welford sums, histogram bins, the time series) and the main thread rebuilds the
 * DirStats / TimeSeries objects and attaches its own Target.
 */
import type { Target } from '../job-target/target.ts';
import { DirStats, LatStat, TimeSeries } from '../stats/io-stats.ts';
import type { JobResult } from './run-job.ts';

type LatWire = Pick<LatStat, 'n' | 'min' | 'max' | 'mean' | 'm2'>;

interface DirWire {
  ios: number;
  bytes: number;
  shortIos: number;
  slat: LatWire;
  clat: LatWire;
  lat: LatWire;
  clatBins: Float64Array;
  latBins: Float64Array;
}

interface SeriesWire {
  intervalMs: number;
  length: number;
  tMs: Float64Array;
  ios: [Float64Array, Float64Array];
  bytes: [Float64Array, Float64Array];
  latMeanNs: Float64Array;
}

export type ResultWire = Omit<JobResult, 'target' | 'dirs' | 'series' | 'sync'> & { dirs: [DirWire, DirWire, DirWire]; series: SeriesWire; sync: LatWire };

const lat = (s: LatStat): LatWire => ({ n: s.n, min: s.min, max: s.max, mean: s.mean, m2: s.m2 });

function dirToWire(d: DirStats): DirWire {
  return { ios: d.ios, bytes: d.bytes, shortIos: d.shortIos, slat: lat(d.slat), clat: lat(d.clat), lat: lat(d.lat), clatBins: d.clatHist.bins, latBins: d.latHist.bins };
}

function dirFromWire(w: DirWire): DirStats {
  const d = new DirStats();
  d.ios = w.ios;
  d.bytes = w.bytes;
  d.shortIos = w.shortIos;
  Object.assign(d.slat, w.slat);
  Object.assign(d.clat, w.clat);
  Object.assign(d.lat, w.lat);
  d.clatHist.bins.set(w.clatBins);
  d.clatHist.total = w.clat.n;
  d.latHist.bins.set(w.latBins);
  d.latHist.total = w.lat.n;
  return d;
}

/** The result as plain data (drops the Target: the receiver has its own). */
export function resultToWire(r: JobResult): ResultWire {
  const { target: _t, dirs, series: s, sync, ...rest } = r;
  const series: SeriesWire = { intervalMs: s.intervalMs, length: s.length, tMs: s.tMs, ios: s.ios, bytes: s.bytes, latMeanNs: s.latMeanNs };
  return { ...rest, dirs: [dirToWire(dirs[0]), dirToWire(dirs[1]), dirToWire(dirs[2])], series, sync: lat(sync) };
}

/** Rebuild a result sent by {@link resultToWire}, on `target`. */
export function resultFromWire(w: ResultWire, target: Target): JobResult {
  const s = new TimeSeries(w.series.intervalMs, w.series.tMs.length);
  s.tMs.set(w.series.tMs);
  for (const d of [0, 1] as const) {
    s.ios[d].set(w.series.ios[d]);
    s.bytes[d].set(w.series.bytes[d]);
  }
  s.latMeanNs.set(w.series.latMeanNs);
  s.length = w.series.length;
  return { ...w, target, dirs: [dirFromWire(w.dirs[0]), dirFromWire(w.dirs[1]), dirFromWire(w.dirs[2])], series: s, sync: Object.assign(new LatStat(), w.sync) };
}
