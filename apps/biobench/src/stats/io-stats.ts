/**
 * Per-direction counters of one job: IOs and bytes, slat/clat/lat (fio's three latencies, ns),
 * clat and lat histograms, and the time series. Everything is allocated when the job starts;
 * recording an IO allocates nothing.
 */
import { PlatHistogram } from './plat-histogram.ts';

/** min / max / mean / stddev by Welford's method (fio's add_stat_sample). */
export class LatStat {
  n = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  mean = 0;
  m2 = 0;

  add(v: number): void {
    this.n++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const d = v - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (v - this.mean);
  }

  stddev(): number {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
  }

  reset(): void {
    this.n = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
    this.mean = 0;
    this.m2 = 0;
  }
}

export const DDIR_READ = 0;
export const DDIR_WRITE = 1;
/** fio's DDIR_TRIM: a discard of the range (rw=trim/randtrim/trimwrite). */
export const DDIR_TRIM = 2;
export type Ddir = typeof DDIR_READ | typeof DDIR_WRITE | typeof DDIR_TRIM;
/** fio's enum fio_ddir: the sync directions (a flush of the file after every N writes). */
export const DDIR_SYNC = 3;
export const DDIR_DATASYNC = 4;

/** `read`, `write`, `trim`, `fsync`, `fdatasync` for a ddir (messages and the JSON's error block). */
export function ddirName(ddir: number): string {
  return ddir === DDIR_SYNC ? 'fsync' : ddir === DDIR_DATASYNC ? 'fdatasync' : ddir === DDIR_TRIM ? 'trim' : ddir ? 'write' : 'read';
}

/** One job's per-direction stats: read, write, trim (fio's ddir order). */
export type Dirs = [DirStats, DirStats, DirStats];

/** Fresh stats for the three directions. */
export const newDirs = (): Dirs => [new DirStats(), new DirStats(), new DirStats()];

export class DirStats {
  ios = 0;
  bytes = 0;
  shortIos = 0;
  readonly slat = new LatStat();
  readonly clat = new LatStat();
  readonly lat = new LatStat();
  readonly clatHist = new PlatHistogram();
  readonly latHist = new PlatHistogram();

  /** One completed IO: latencies in ns. */
  record(bytes: number, slatNs: number, clatNs: number, latNs: number): void {
    this.ios++;
    this.bytes += bytes;
    this.slat.add(slatNs);
    this.clat.add(clatNs);
    this.lat.add(latNs);
    this.clatHist.add(clatNs);
    this.latHist.add(latNs);
  }

  reset(): void {
    this.ios = 0;
    this.bytes = 0;
    this.shortIos = 0;
    this.slat.reset();
    this.clat.reset();
    this.lat.reset();
    this.clatHist.reset();
    this.latHist.reset();
  }
}

/**
 * Samples every `intervalMs`: IOs and bytes per direction and the mean latency of the IOs that
 * completed in the interval. Capacity is fixed at creation (runtime / interval + slack).
 */
export class TimeSeries {
  readonly tMs: Float64Array;
  readonly ios: [Float64Array, Float64Array];
  readonly bytes: [Float64Array, Float64Array];
  readonly latMeanNs: Float64Array;
  length = 0;
  readonly #lastIos = [0, 0];
  readonly #lastBytes = [0, 0];
  #latSum = 0;
  #latN = 0;

  constructor(readonly intervalMs: number, capacity: number) {
    this.tMs = new Float64Array(capacity);
    this.ios = [new Float64Array(capacity), new Float64Array(capacity)];
    this.bytes = [new Float64Array(capacity), new Float64Array(capacity)];
    this.latMeanNs = new Float64Array(capacity);
  }

  addLatency(ns: number): void {
    this.#latSum += ns;
    this.#latN++;
  }

  /** Close the interval ending `tMs` after the start of measurement. */
  sample(tMs: number, r: DirStats, w: DirStats): void {
    const i = this.length;
    if (i >= this.tMs.length) return;
    this.tMs[i] = tMs;
    this.ios[0][i] = r.ios - this.#lastIos[0]!;
    this.ios[1][i] = w.ios - this.#lastIos[1]!;
    this.bytes[0][i] = r.bytes - this.#lastBytes[0]!;
    this.bytes[1][i] = w.bytes - this.#lastBytes[1]!;
    this.latMeanNs[i] = this.#latN ? this.#latSum / this.#latN : 0;
    this.#lastIos[0] = r.ios;
    this.#lastIos[1] = w.ios;
    this.#lastBytes[0] = r.bytes;
    this.#lastBytes[1] = w.bytes;
    this.#latSum = 0;
    this.#latN = 0;
    this.length = i + 1;
  }

  reset(): void {
    this.length = 0;
    this.#lastIos.fill(0);
    this.#lastBytes.fill(0);
    this.#latSum = 0;
    this.#latN = 0;
  }
}
