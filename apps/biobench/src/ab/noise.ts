/**
 * Is this machine too noisy for the A/B result to mean much? Three signs: a configuration whose
 * IOPS vary between its own runs by more than the threshold (coefficient of variation), CPU time
 * stolen by the hypervisor during the runs, and a load average above the CPU count at the start.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { cv } from './stats.ts';

export interface CpuTimes {
  total: number;
  steal: number;
}

/** Aggregate CPU jiffies from /proc/stat (zeros where unreadable). */
export function cpuTimes(): CpuTimes {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return { total: 0, steal: 0 };
  }
}

export interface NoiseReport {
  noisy: boolean;
  reasons: string[];
  cvPct: { a: number; b: number };
  stealPct: number;
  load: number;
  cpus: number;
}

/** Judge the runs: `a`/`b` are each configuration's IOPS samples. */
export function judgeNoise(a: number[], b: number[], thresholdPct: number, before: CpuTimes, after: CpuTimes, loadAtStart: number): NoiseReport {
  const reasons: string[] = [];
  const cvA = cv(a) * 100, cvB = cv(b) * 100;
  for (const [name, v] of [['A', cvA], ['B', cvB]] as const) {
    if (v > thresholdPct) reasons.push(`${name}'s IOPS vary by ${v.toFixed(1)}% between its own runs (threshold ${thresholdPct}%)`);
  }
  const dt = after.total - before.total;
  const stealPct = dt > 0 ? ((after.steal - before.steal) / dt) * 100 : 0;
  if (stealPct > 2) reasons.push(`the hypervisor stole ${stealPct.toFixed(1)}% of CPU time during the runs`);
  const n = cpus().length;
  if (loadAtStart > n) reasons.push(`load average ${loadAtStart.toFixed(2)} on ${n} CPUs when the runs started`);
  return { noisy: reasons.length > 0, reasons, cvPct: { a: cvA, b: cvB }, stealPct, load: loadAtStart, cpus: n };
}

export const load1 = (): number => loadavg()[0]!;
