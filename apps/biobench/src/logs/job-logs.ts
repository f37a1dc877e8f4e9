/**
 * fio's per-job logs (iolog.c): `write_bw_log`, `write_iops_log`, `write_lat_log` and
 * `write_hist_log`, in fio's file names (`PREFIX_bw.N.log`, `PREFIX_iops.N.log`,
 * `PREFIX_{lat,clat,slat}.N.log`, `PREFIX_clat_hist.N.log`; N is the job's number, from 1) and
 * line formats (`time, value, direction, bs, priority`; histogram lines `time, direction, bs,`
 * then fio's 1856 bins), so fio2gnuplot, fiologparser*.py and fio-plot read them.
 *
 * With `log_avg_msec` 0 (fio's default) every IO is one line; the samples go to fixed-size typed
 * chunks (a new chunk every {@link CHUNK} IOs, never an allocation per IO) and are formatted when
 * the job ends. With a window, each direction that completed IOs in it gets one line per log at the
 * window's end, bs 0, with the window's mean (latencies), KiB/s (bandwidth) or IO/s. Deviation from
 * fio: a per-IO bandwidth line is the IO's size over its total latency in KiB/s (fio divides bytes
 * by microseconds, which is KB/s scaled by 1000/1024).
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import type { JobOptions } from '../options/table.ts';
import type { DirStats } from '../stats/io-stats.ts';
import { PLAT_NR } from '../stats/plat-histogram.ts';

/** Samples per per-IO chunk; each sample is STRIDE doubles. */
export const CHUNK = 65_536;
const STRIDE = 5; // t_ms, ddir, bs, slat_ns, clat_ns

interface Window {
  ios: Float64Array;
  bytes: Float64Array;
  lat: Float64Array;
  clat: Float64Array;
  slat: Float64Array;
}

/** Whether `job` asks for any of fio's logs. */
export function wantsLogs(job: JobOptions): boolean {
  return job.write_bw_log !== null || job.write_iops_log !== null || job.write_lat_log !== null || job.write_hist_log !== null;
}

export class JobLogs {
  readonly #job: JobOptions;
  readonly #index: number;
  readonly #perIo: boolean;
  readonly #chunks: Float64Array[] = [];
  #n = 0;
  readonly #win: Window = { ios: new Float64Array(3), bytes: new Float64Array(3), lat: new Float64Array(3), clat: new Float64Array(3), slat: new Float64Array(3) };
  #nextWindow: number;
  #nextHist: number;
  readonly #windowLines: string[][] = [[], [], [], [], []]; // bw, iops, lat, clat, slat
  readonly #histLines: string[] = [];
  readonly #histLast = [new Float64Array(PLAT_NR), new Float64Array(PLAT_NR), new Float64Array(PLAT_NR)];

  /** Logs of job number `index` (fio's thread_number, from 1). */
  constructor(job: JobOptions, index: number) {
    this.#job = job;
    this.#index = index;
    this.#perIo = job.log_avg_msec === 0;
    this.#nextWindow = job.log_avg_msec;
    this.#nextHist = job.log_hist_msec;
  }

  /** One measured completion, `tMs` after the start of measurement; allocates only every CHUNK IOs. */
  io(tMs: number, ddir: number, bytes: number, slatNs: number, clatNs: number): void {
    if (this.#perIo) {
      const c = this.#n % CHUNK;
      if (c === 0) this.#chunks.push(new Float64Array(CHUNK * STRIDE));
      const a = this.#chunks[this.#chunks.length - 1]!, o = c * STRIDE;
      a[o] = tMs;
      a[o + 1] = ddir;
      a[o + 2] = bytes;
      a[o + 3] = slatNs;
      a[o + 4] = clatNs;
      this.#n++;
      return;
    }
    const w = this.#win;
    w.ios[ddir]!++;
    w.bytes[ddir]! += bytes;
    w.slat[ddir]! += slatNs;
    w.clat[ddir]! += clatNs;
    w.lat[ddir]! += slatNs + clatNs;
  }

  /** Close the windows (and histogram intervals) that ended by `tMs`; `dirs` hold the job's histograms. */
  tick(tMs: number, dirs: readonly DirStats[]): void {
    while (!this.#perIo && tMs >= this.#nextWindow) {
      this.#closeWindow(this.#nextWindow, this.#job.log_avg_msec);
      this.#nextWindow += this.#job.log_avg_msec;
    }
    if (this.#job.write_hist_log === null) return;
    while (tMs >= this.#nextHist) {
      this.#histSample(this.#nextHist, dirs);
      this.#nextHist += this.#job.log_hist_msec;
    }
  }

  /** The end of measurement at `tMs`: the last partial window and histogram interval. */
  finish(tMs: number, dirs: readonly DirStats[]): void {
    this.tick(tMs, dirs);
    const t = Math.floor(tMs);
    if (!this.#perIo && t > this.#nextWindow - this.#job.log_avg_msec) this.#closeWindow(t, t - (this.#nextWindow - this.#job.log_avg_msec));
    if (this.#job.write_hist_log !== null) this.#histSample(t, dirs);
  }

  #closeWindow(t: number, spanMs: number): void {
    const w = this.#win;
    for (let d = 0; d < 3; d++) {
      const n = w.ios[d]!;
      if (n === 0) continue;
      const sec = spanMs / 1000;
      const vals = [Math.round(w.bytes[d]! / 1024 / sec), Math.round(n / sec), Math.round(w.lat[d]! / n), Math.round(w.clat[d]! / n), Math.round(w.slat[d]! / n)];
      vals.forEach((v, k) => this.#windowLines[k]!.push(`${Math.floor(t)}, ${v}, ${d}, 0, 0`));
    }
    for (const a of Object.values(w) as Float64Array[]) a.fill(0);
  }

  #histSample(t: number, dirs: readonly DirStats[]): void {
    for (let d = 0; d < 3; d++) {
      const bins = dirs[d]!.clatHist.bins, last = this.#histLast[d]!;
      const delta = new Array<number>(PLAT_NR);
      let any = 0;
      for (let i = 0; i < PLAT_NR; i++) {
        delta[i] = bins[i]! - last[i]!;
        any += delta[i]!;
      }
      last.set(bins);
      if (any > 0) this.#histLines.push(`${Math.floor(t)}, ${d}, ${this.#job.bs.min}, ${delta.join(', ')}`);
    }
  }

  /** The value of log `k` (0 bw, 1 iops, 2 lat, 3 clat, 4 slat) for per-IO sample `o` of chunk `a`. */
  static #value(k: number, a: Float64Array, o: number): number {
    const bs = a[o + 2]!, slat = a[o + 3]!, clat = a[o + 4]!;
    if (k === 0) return Math.round(bs / 1024 / ((slat + clat) / 1e9));
    if (k === 1) return 1;
    return Math.round(k === 2 ? slat + clat : k === 3 ? clat : slat);
  }

  /** Write log `k` to `path`: the windows' lines, or every IO's in batches (memory stays bounded). */
  #writeLog(path: string, k: number): void {
    const fd = openSync(path, 'w');
    try {
      if (!this.#perIo) {
        const lines = this.#windowLines[k]!;
        if (lines.length) writeSync(fd, `${lines.join('\n')}\n`);
        return;
      }
      let batch: string[] = [];
      for (let i = 0; i < this.#n; i++) {
        const a = this.#chunks[Math.floor(i / CHUNK)]!, o = (i % CHUNK) * STRIDE;
        batch.push(`${Math.floor(a[o]!)}, ${JobLogs.#value(k, a, o)}, ${a[o + 1]!}, ${a[o + 2]!}, 0`);
        if (batch.length === 8192 || i === this.#n - 1) {
          writeSync(fd, `${batch.join('\n')}\n`);
          batch = [];
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Write every log the job asked for; returns the paths written. Throws fs errors (ENOENT, EACCES). */
  write(): string[] {
    const j = this.#job, n = this.#index, out: string[] = [];
    const put = (path: string, k: number): void => {
      this.#writeLog(path, k);
      out.push(path);
    };
    if (j.write_bw_log !== null) put(`${j.write_bw_log}_bw.${n}.log`, 0);
    if (j.write_iops_log !== null) put(`${j.write_iops_log}_iops.${n}.log`, 1);
    if (j.write_lat_log !== null) {
      put(`${j.write_lat_log}_lat.${n}.log`, 2);
      put(`${j.write_lat_log}_clat.${n}.log`, 3);
      put(`${j.write_lat_log}_slat.${n}.log`, 4);
    }
    if (j.write_hist_log !== null) {
      const path = `${j.write_hist_log}_clat_hist.${n}.log`;
      writeFileSync(path, this.#histLines.length ? `${this.#histLines.join('\n')}\n` : '');
      out.push(path);
    }
    return out;
  }
}
