/**
 * The `uring` engine: raw io_uring on the target's fd, like fio's io_uring engine. READ/WRITE
 * with per-IO arena buffers, or READ_FIXED/WRITE_FIXED from one registered buffer. The kernel
 * takes the pages, so the strategy is reported as `raw` and there are no page counters.
 * As fio's io_uring engine: commit submits the batch (io_uring_enter without waiting), getevents
 * waits; so an IO's submission latency (slat) ends when the kernel has taken it. fsync/fdatasync
 * (fio's DDIR_SYNC/DDIR_DATASYNC) are IORING_OP_FSYNC. Trims (DDIR_TRIM) are, as in fio's io_uring
 * engine for files and block devices, IORING_OP_FALLOCATE with FALLOC_FL_PUNCH_HOLE |
 * FALLOC_FL_KEEP_SIZE: a hole in a file, a discard on a block device; reads of the range return
 * zeroes. fallocate completes with 0, counted as the trim's whole length.
 */
import { PAGE_SIZE } from '@biopath/mm';
import { arenaCreate, arenaFree, closeFd, openDevice } from '@biopath/native';
import type { ArenaRegion } from '@biopath/native';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, IORING_FSYNC_DATASYNC, IoUring, prepFallocate, prepFsync, prepRead, prepReadFixed, prepWrite, prepWriteFixed, sqeSetData } from '@biopath/uring';
import type { EngineInfo, EngineSetup, IoEngine, PageCounters } from './engine.ts';
import { NO_PAGE_COUNTERS } from './engine.ts';
import { FIO_Q_BUSY, FIO_Q_QUEUED } from './io-unit.ts';
import type { IoU } from './io-unit.ts';
import type { JobOptions } from '../options/table.ts';
import { nullKnobsProblem } from './null-rules.ts';
import { DDIR_DATASYNC, DDIR_SYNC, DDIR_TRIM } from '../stats/io-stats.ts';

const TRIM_MODE = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

interface UringData {
  ring: IoUring;
  fd: number;
  arena: ArenaRegion;
  fixed: boolean;
  units: IoU[];
  /** Completions of the last getevents: slot and res. */
  evSlot: Int32Array;
  evRes: Int32Array;
  info: EngineInfo;
}

const roundUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function init(s: EngineSetup): UringData {
  const { job, units, maxBs } = s;
  const notes: string[] = [];
  const stride = roundUp(maxBs, PAGE_SIZE);
  const fd = openDevice(s.target.path, { write: s.write, direct: job.direct });
  let ring: IoUring | undefined, arena: ArenaRegion | undefined;
  try {
    const entries = Math.max(8, units.length);
    ring = new IoUring({ entries, cqEntries: entries * 2, ...(job.sqthread_poll ? { sqpollIdleMs: 50 } : {}) });
    arena = arenaCreate(stride * units.length);
    for (const io of units) {
      io.buf = new Uint8Array(arena.buffer, io.index * stride, maxBs);
      io.addr = arena.iova + io.index * stride;
    }
    const fixed = job.buffers === 'registered' && registerOrNote(ring, arena, notes);
    return {
      ring, fd, arena, fixed, units,
      evSlot: new Int32Array(ring.cqEntries), evRes: new Int32Array(ring.cqEntries),
      info: { engine: 'uring', strategy: 'raw', release: 'kernel', buffers: fixed ? 'registered' : 'per-io', driver: 'io_uring', profile: null, sqpoll: job.sqthread_poll, notes },
    };
  } catch (e) {
    ring?.close();
    if (arena) arenaFree(arena.id);
    closeFd(fd);
    throw e;
  }
}

/** Register the arena as one fixed buffer; on failure (RLIMIT_MEMLOCK) fall back with a note. */
function registerOrNote(ring: IoUring, arena: ArenaRegion, notes: string[]): boolean {
  try {
    ring.registerBuffers([{ iova: arena.iova, len: arena.size }]);
    return true;
  } catch (e) {
    notes.push(`registered buffers refused (${(e as Error).message}): ran with per-io buffers. ` +
      'Registration locks memory against RLIMIT_MEMLOCK (ulimit -l); run as root or raise the limit.');
    return false;
  }
}

function queue(d: UringData, io: IoU): number {
  const r = d.ring;
  const s = r.getSqe();
  if (s < 0) return FIO_Q_BUSY;
  if (io.ddir >= DDIR_SYNC) prepFsync(r, s, d.fd, io.ddir === DDIR_DATASYNC ? IORING_FSYNC_DATASYNC : 0);
  else if (io.ddir === DDIR_TRIM) prepFallocate(r, s, d.fd, TRIM_MODE, io.offset, io.buflen);
  else if (io.ddir === 0) {
    if (d.fixed) prepReadFixed(r, s, d.fd, io.addr, io.buflen, io.offset, 0);
    else prepRead(r, s, d.fd, io.addr, io.buflen, io.offset);
  } else if (d.fixed) prepWriteFixed(r, s, d.fd, io.addr, io.buflen, io.offset, 0);
  else prepWrite(r, s, d.fd, io.addr, io.buflen, io.offset);
  sqeSetData(r, s, io.index);
  return FIO_Q_QUEUED;
}

/** fio_ioring_commit(): hand the queued SQEs to the kernel, without waiting. */
function commit(d: UringData): void {
  if (d.ring.sqReady() > 0) d.ring.submit();
}

function getevents(d: UringData, min: number, max: number): number {
  const r = d.ring;
  if (min > 0 && r.cqReady() < min) r.submitAndWait(min);
  else if (r.sqReady() > 0) r.submit();
  else r.poll();
  const n = Math.min(r.cqReady(), max);
  for (let i = 0; i < n; i++) {
    d.evSlot[i] = r.cqeUserData(i);
    d.evRes[i] = r.cqeRes(i);
  }
  r.cqAdvance(n);
  return n;
}

function event(d: UringData, i: number): IoU {
  const io = d.units[d.evSlot[i]!]!;
  const res = d.evRes[i]!;
  io.res = res === 0 && io.ddir === DDIR_TRIM ? io.buflen : res; // fallocate: 0 = the whole range
  return io;
}

function cleanup(d: UringData): void {
  d.ring.close();
  arenaFree(d.arena.id);
  closeFd(d.fd);
}

/** The uring engine reads and writes block devices and files; an NVMe generic char device needs passthrough. */
function check(job: Pick<JobOptions, 'target' | 'driver' | 'null_completion_nsec' | 'null_cpu_nsec'>): string {
  if (/\/dev\/ng\d+n\d+$/.test(job.target ?? '')) {
    return `--engine uring cannot do IO on ${job.target} (an NVMe generic char device): use --engine stack --driver nvme, or the block device /dev/nvmeXnY`;
  }
  return nullKnobsProblem(job, 'uring');
}

export const uringEngine: IoEngine<UringData> = {
  name: 'uring',
  check,
  init,
  queue,
  commit,
  getevents,
  event,
  cleanup,
  describe: (d) => d.info,
  counters: (): PageCounters => NO_PAGE_COUNTERS,
};
