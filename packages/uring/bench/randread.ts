// A fio-shaped random-read loop over IoUring: keeps `iodepth` reads in flight, one native call
// per batch (submit what was re-prepped + wait for at least one), latency per IO into an HDR
// histogram, CPU from process.cpuUsage(). Shared by the quick benchmark and the fio comparison.
import * as hdr from 'hdr-histogram-js';
import { arenaCreate, arenaFree, openDevice, closeFd, deviceInfo } from '@biopath/native';
import { IoUring, prepRead, prepReadFixed, sqeSetData } from '@biopath/uring';

export interface RandReadJob {
  path: string;
  bs: number;
  iodepth: number;
  runtimeMs: number;
  rampMs?: number;
  /** Use registered (FIXED) buffers. */
  fixed?: boolean;
  /** Busy-poll for completions instead of blocking in io_uring_enter. */
  busyPoll?: boolean;
  seed?: number;
  /** Ring setup flags (default: SINGLE_ISSUER + DEFER_TASKRUN, as fio's io_uring engine asks for). */
  ring?: { singleIssuer?: boolean; deferTaskrun?: boolean; coopTaskrun?: boolean };
}

export interface RandReadResult {
  ios: number;
  iops: number;
  bwBytes: number;
  latNs: { mean: number; p50: number; p99: number; p999: number; max: number };
  cpuUsPerIo: number;
  usrPct: number;
  sysPct: number;
  elapsedMs: number;
}

export function runRandRead(job: RandReadJob): RandReadResult {
  const fd = openDevice(job.path, { direct: true });
  const { size } = deviceInfo(fd);
  const blocks = Math.floor(size / job.bs);
  const flags = job.ring ?? { singleIssuer: true, deferTaskrun: true };
  const ring = new IoUring({ entries: Math.max(8, job.iodepth), cqEntries: Math.max(16, job.iodepth * 2), ...flags });
  const arena = arenaCreate(Math.max(4096, job.iodepth * job.bs));
  try {
    if (job.fixed) ring.registerBuffers([{ iova: arena.iova, len: job.iodepth * job.bs }]);
    return loop(job, ring, fd, arena.iova, blocks);
  } finally {
    ring.close();
    arenaFree(arena.id);
    closeFd(fd);
  }
}

function loop(job: RandReadJob, ring: IoUring, fd: number, iova: number, blocks: number): RandReadResult {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e9, numberOfSignificantValueDigits: 3 });
  const start = new Float64Array(job.iodepth);
  let x = (job.seed ?? 0x9e3779b9) >>> 0 || 1;
  const { bs, iodepth } = job;
  const prep = (slot: number): void => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const s = ring.getSqe();
    const off = (x % blocks) * bs;
    if (job.fixed) prepReadFixed(ring, s, fd, iova + slot * bs, bs, off, 0);
    else prepRead(ring, s, fd, iova + slot * bs, bs, off);
    sqeSetData(ring, s, slot);
    start[slot] = performance.now();
  };
  for (let i = 0; i < iodepth; i++) prep(i);
  const t0 = performance.now();
  const measureFrom = t0 + (job.rampMs ?? 0);
  const end = measureFrom + job.runtimeMs;
  let ios = 0, measuring = false, cpu0 = process.cpuUsage(), tm = t0;
  for (;;) {
    if (job.busyPoll) { ring.submit(); while (ring.cqReady() === 0) ring.poll(); } else ring.submitAndWait(1);
    const now = performance.now();
    if (!measuring && now >= measureFrom) { measuring = true; cpu0 = process.cpuUsage(); tm = now; ios = 0; hist.reset(); }
    const n = ring.cqReady();
    for (let i = 0; i < n; i++) {
      const slot = ring.cqeUserData(i);
      const res = ring.cqeRes(i);
      if (res !== bs) throw new Error(`read returned ${res}`);
      if (measuring) { hist.recordValue(Math.max(1, Math.round((now - start[slot]!) * 1e6))); ios++; }
      if (now < end) prep(slot);
    }
    ring.cqAdvance(n);
    if (now >= end) break;
  }
  const inflight = ring.sqReady();
  if (inflight) ring.submit();
  drainAll(ring, iodepth - inflight === iodepth ? 0 : iodepth);
  const elapsedMs = performance.now() - tm;
  const cpu = process.cpuUsage(cpu0);
  return summarize(hist, ios, elapsedMs, cpu, bs);
}

function drainAll(ring: IoUring, _n: number): void {
  // wait out whatever is still in flight so the ring closes idle
  for (let spins = 0; spins < 1000; spins++) {
    ring.poll();
    ring.cqAdvance(ring.cqReady());
    if (ring.sqReady() === 0 && spins > 10) break;
  }
}

function summarize(h: hdr.Histogram, ios: number, ms: number, cpu: NodeJS.CpuUsage, bs: number): RandReadResult {
  const s = ms / 1000;
  return {
    ios,
    iops: ios / s,
    bwBytes: (ios * bs) / s,
    latNs: { mean: h.mean, p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), p999: h.getValueAtPercentile(99.9), max: h.maxValue },
    cpuUsPerIo: (cpu.user + cpu.system) / Math.max(1, ios),
    usrPct: (cpu.user / 1000 / ms) * 100,
    sysPct: (cpu.system / 1000 / ms) * 100,
    elapsedMs: ms,
  };
}
