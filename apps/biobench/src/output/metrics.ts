/**
 * The handful of numbers ab and compare reason about, read from one job of fio-layout JSON —
 * the same function for fio's output and biobench's, so both sides are measured alike.
 */
import type { MetricSpec } from '../ab/stats.ts';

export interface JobMetrics {
  iops: number;
  bw_bytes: number;
  clat_p50_us: number;
  clat_p99_us: number;
  lat_mean_us: number;
  cpu_us_per_io: number;
}

interface Dir {
  iops: number;
  bw_bytes: number;
  total_ios: number;
  clat_ns: { percentile?: Record<string, number> };
  lat_ns: { mean: number; N: number };
}

/** Metrics of one `jobs[]` entry; latency from the direction with more IOs. */
export function jobMetrics(job: Record<string, unknown>): JobMetrics {
  const r = job.read as Dir, w = job.write as Dir;
  const main = (w?.total_ios ?? 0) > (r?.total_ios ?? 0) ? w : r;
  const ios = (r?.total_ios ?? 0) + (w?.total_ios ?? 0);
  const p = main?.clat_ns?.percentile ?? {};
  const cpuUs = ((Number(job.usr_cpu) + Number(job.sys_cpu)) / 100) * Number(job.job_runtime) * 1000;
  const latMean = ios ? ((r?.lat_ns.mean ?? 0) * (r?.lat_ns.N ?? 0) + (w?.lat_ns.mean ?? 0) * (w?.lat_ns.N ?? 0)) / ios : 0;
  return {
    iops: (r?.iops ?? 0) + (w?.iops ?? 0),
    bw_bytes: (r?.bw_bytes ?? 0) + (w?.bw_bytes ?? 0),
    clat_p50_us: (p['50.000000'] ?? 0) / 1e3,
    clat_p99_us: (p['99.000000'] ?? 0) / 1e3,
    lat_mean_us: latMean / 1e3,
    cpu_us_per_io: ios ? cpuUs / ios : 0,
  };
}

/** The metrics `biobench ab` judges, in the order it prints them. */
export const AB_METRICS: (MetricSpec & { key: keyof JobMetrics })[] = [
  { key: 'iops', label: 'IOPS', unit: '', better: 'higher', win: 'is faster' },
  { key: 'bw_bytes', label: 'bandwidth', unit: 'MiB/s', better: 'higher', win: 'moves more data' },
  { key: 'clat_p50_us', label: 'clat p50', unit: 'µs', better: 'lower', win: 'has lower median latency' },
  { key: 'clat_p99_us', label: 'clat p99', unit: 'µs', better: 'lower', win: 'has lower p99 latency' },
  { key: 'lat_mean_us', label: 'lat mean', unit: 'µs', better: 'lower', win: 'has lower mean latency' },
  { key: 'cpu_us_per_io', label: 'CPU per IO', unit: 'µs', better: 'lower', win: 'uses less CPU per IO' },
];
