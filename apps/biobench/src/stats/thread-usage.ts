/**
 * CPU time, context switches and page faults of the calling thread — what fio's per-thread
 * getrusage(RUSAGE_THREAD) gives it. On the main thread biobench keeps measuring the process
 * (process.cpuUsage / resourceUsage: the event loop's helpers included, as before); a numjobs
 * clone on a worker thread must count only its own thread, since the process's numbers include
 * every other clone. Node 20 has no per-thread CPU call, so a worker reads
 * /proc/thread-self/schedstat (ns on CPU), /proc/thread-self/stat (user/system split, faults) and
 * /proc/thread-self/status (context switches).
 */
import { readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

export interface Usage {
  userUs: number;
  systemUs: number;
  ctx: number;
  majf: number;
  minf: number;
  /** Worker threads: clock ticks in user and system mode (/proc), to split the CPU time; else null. */
  ticks: [number, number] | null;
}

/** The calling thread's usage so far (the process's on the main thread). */
export function usageNow(): Usage {
  if (isMainThread) {
    const cpu = process.cpuUsage(), ru = process.resourceUsage();
    return { userUs: cpu.user, systemUs: cpu.system, ctx: ru.voluntaryContextSwitches + ru.involuntaryContextSwitches, majf: ru.majorPageFault, minf: ru.minorPageFault, ticks: null };
  }
  return threadUsage();
}

/** `b - a`, field by field; a worker's CPU time split between user and system as its ticks were. */
export function usageSince(a: Usage, b: Usage): Usage {
  const d = { userUs: b.userUs - a.userUs, systemUs: b.systemUs - a.systemUs, ctx: b.ctx - a.ctx, majf: b.majf - a.majf, minf: b.minf - a.minf, ticks: null };
  if (!a.ticks || !b.ticks) return d;
  const u = b.ticks[0] - a.ticks[0], s = b.ticks[1] - a.ticks[1], cpu = d.userUs + d.systemUs;
  const sys = u + s > 0 ? (cpu * s) / (u + s) : 0;
  return { ...d, userUs: cpu - sys, systemUs: sys };
}

function threadUsage(): Usage {
  const onCpuUs = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000;
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  const minf = Number(f[7]), majf = Number(f[9]), uTicks = Number(f[11]), sTicks = Number(f[12]);
  const status = readFileSync('/proc/thread-self/status', 'utf8');
  const ctx = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0) + Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { userUs: onCpuUs, systemUs: 0, ctx, majf, minf, ticks: [uTicks, sTicks] };
}
