/**
 * Building the bio path for one job: a MemMap (the frames every buffer and bio names), the driver
 * (bdev / null / nvme from @biopath/nvme), a blk-mq queue and a block device over it, and one
 * buffer per io_u: a slice of an emulated process's memory (pin, get) or kernel pages (list).
 */
import {
  bdevCreate, blkFlushDeferredRelease, blkMqDestroyQueue, blkMqInitQueue,
} from '@biopath/block';
import type { BlockDevice, RequestQueue } from '@biopath/block';
import { PAGE_SIZE, createMemMap, destroyMemMap, MmStruct, allocPages, pageAddress, putPage } from '@biopath/mm';
import type { MemMap } from '@biopath/mm';
import { createBdevDriver, createNullDriver, createNvmeDriver } from '@biopath/nvme';
import type { BlkDriver } from '@biopath/nvme';
import type { EngineSetup } from './engine.ts';
import { carryOf, resolveProfile } from './stack-rules.ts';
import type { Carry, ResolvedProfile } from './stack-rules.ts';

const MAX_BUFFER_BYTES = 1 << 30;

export interface StackParts {
  mem: MemMap;
  mm: MmStruct;
  driver: BlkDriver;
  q: RequestQueue;
  bdev: BlockDevice;
  profile: ResolvedProfile;
  carry: Carry;
  /** Bytes between two io_u buffers (page multiple). */
  stride: number;
  /** pin/get: user address of slot 0's buffer; list: 0. */
  ubuf: number;
  /** list: head pfn of each slot's pages. */
  pfns: Int32Array;
  /** Registered buffers asked for but refused: a note for the user. */
  notes: string[];
  fixed: boolean;
}

/** Lets a caller (tests) put a driver in front of the one biobench opened, e.g. @biopath/nvme's faulty driver. */
export type WrapDriver = (d: BlkDriver) => BlkDriver;

function openDriver(s: EngineSetup, mem: MemMap, notes: string[]): { driver: BlkDriver; fixed: boolean } {
  const { job, target, units } = s;
  const depth = units.length;
  if (job.driver === 'null') {
    const size = Math.floor(target.size / PAGE_SIZE) * PAGE_SIZE;
    const driver = createNullDriver({
      sizeBytes: size, queueDepth: depth, irqmode: 'poll', memoryBacked: job.verify !== 'none',
      completionNsec: job.null_completion_nsec, cpuNsecPerIo: job.null_cpu_nsec,
    });
    if (driver.completionNsec > 0 || driver.cpuNsecPerIo > 0) {
      notes.push(`null driver calibration: completion_nsec=${driver.completionNsec}, cpu_nsec=${driver.cpuNsecPerIo} per IO (${driver.busyLoopsPerIo} busy-loop iterations)`);
    }
    return { driver, fixed: false };
  }
  if (job.driver === 'nvme') return { driver: createNvmeDriver({ path: target.path, mem, queueDepth: depth }), fixed: false };
  const base = { path: target.path, mem, queueDepth: depth, readOnly: !s.write, ...(job.sqthread_poll ? { sqpollIdleMs: 50 } : {}) };
  if (job.buffers !== 'registered') return { driver: createBdevDriver(base), fixed: false };
  try {
    return { driver: createBdevDriver({ ...base, fixedBuffers: true }), fixed: true };
  } catch (e) {
    notes.push(`registered buffers refused (${(e as Error).message}): ran with per-io buffers; raise ulimit -l or run as root`);
    return { driver: createBdevDriver(base), fixed: false };
  }
}

/** Buffers: user memory for pin/get (pre-faulted), high-order kernel pages for list. */
function buffers(parts: Pick<StackParts, 'mem' | 'mm' | 'stride'>, strategy: string, slots: number): { ubuf: number; pfns: Int32Array } {
  const pfns = new Int32Array(slots).fill(-1);
  if (strategy !== 'list') {
    const ubuf = parts.mm.mmap(slots * parts.stride);
    parts.mm.write(ubuf, new Uint8Array(slots * parts.stride)); // fault every page in, as a benchmark warms up
    return { ubuf, pfns };
  }
  const order = Math.ceil(Math.log2(parts.stride / PAGE_SIZE));
  for (let i = 0; i < slots; i++) {
    const pfn = allocPages(parts.mem, order, { zero: true });
    if (pfn < 0) throw new RangeError(`stack engine: no memory for a ${parts.stride}-byte kernel buffer`);
    pfns[i] = pfn;
  }
  return { ubuf: 0, pfns };
}

/**
 * The bio path for one job. `cachePages` > 0 (buffered jobs): the MemMap also has room for a
 * page cache of that many frames, and no per-slot buffers are made (the IO copies from plain ones).
 */
export function stackSetup(s: EngineSetup, wrap?: WrapDriver, cachePages = 0): StackParts {
  const { job, units } = s;
  const stride = Math.max(PAGE_SIZE, 2 ** Math.ceil(Math.log2(Math.ceil(s.maxBs / PAGE_SIZE))) * PAGE_SIZE);
  if (stride * units.length > MAX_BUFFER_BYTES) throw new RangeError(`stack engine: iodepth × bs = ${stride * units.length} bytes of buffers is over 1 GiB`);
  const profile = resolveProfile(job);
  const mem = createMemMap({ nrPages: ((stride * units.length * 2) / PAGE_SIZE) + 1024 + cachePages, profile });
  const notes: string[] = [];
  const mm = new MmStruct(mem);
  let driver: BlkDriver | null = null;
  try {
    const d = openDriver(s, mem, notes);
    driver = wrap ? wrap(d.driver) : d.driver;
    const q = blkMqInitQueue(driver.set, driver.limits, mem);
    const bdev = bdevCreate(q, driver.sizeBytes, job.driver, !s.write);
    const b = cachePages > 0 ? { ubuf: 0, pfns: new Int32Array(0) } : buffers({ mem, mm, stride }, job.strategy, units.length);
    return { mem, mm, driver, q, bdev, profile, carry: carryOf(job.strategy, profile), stride, notes, fixed: d.fixed, ...b };
  } catch (e) {
    driver?.close();
    mm.exit();
    destroyMemMap(mem);
    throw e;
  }
}

/** Give everything back (in-flight IO must have been reaped). */
export function stackTeardown(p: StackParts): void {
  blkFlushDeferredRelease();
  blkMqDestroyQueue(p.q);
  p.driver.close();
  for (const pfn of p.pfns) if (pfn >= 0) putPage(p.mem, pfn);
  p.mm.exit();
  destroyMemMap(p.mem);
}

/** The kernel address of slot `i`'s buffer (list strategy). */
export function slotKaddr(p: StackParts, i: number): number {
  return pageAddress(p.mem, p.pfns[i]!);
}
