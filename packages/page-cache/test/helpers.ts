// Shared by this package's real-device tests: a page cache over a loop device through the block
// layer and the bdev driver (optionally wrapped by `faulty`), torn down in reverse whatever happens.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bdevCreate, blkMqDestroyQueue, blkMqDrain, blkMqInitQueue, type BlockDevice, type RequestQueue } from '@biopath/block';
import { createMemMap, destroyMemMap, type MemMap } from '@biopath/mm';
import { createBdevDriver, createFaultyDriver, type BlkDriver, type FaultyOptions } from '@biopath/nvme';
import { probe, withLoopDevice } from '@biopath/testing';
import {
  createAddressSpace, createPageCache, destroyAddressSpace, type AddressSpace, type FaultServerSpec, type PageCache,
} from '@biopath/page-cache';

export interface CacheStack {
  dev: string;
  image: string;
  mem: MemMap;
  drv: BlkDriver;
  q: RequestQueue;
  bdev: BlockDevice;
  pc: PageCache;
  as: AddressSpace;
}

export interface CacheStackOpts {
  nrPages?: number;
  capacityPages?: number;
  readAheadKb?: number;
  faulty?: FaultyOptions;
  fill?: 'random' | 'zero';
}

/** A loop device of `sizeBytes` → bdev driver (→ faulty) → queue → bdev → page cache → address space. */
export async function withCacheStack<T>(sizeBytes: number, fn: (s: CacheStack) => T | Promise<T>, opts: CacheStackOpts = {}): Promise<T> {
  return withLoopDevice(sizeBytes, async (dev, image) => {
    const mem = createMemMap({ nrPages: opts.nrPages ?? 2048 });
    let drv: BlkDriver | undefined;
    let q: RequestQueue | undefined;
    let as: AddressSpace | undefined;
    try {
      const bd = createBdevDriver({ path: dev, mem });
      drv = opts.faulty ? createFaultyDriver(bd, opts.faulty) : bd;
      q = blkMqInitQueue(drv.set, drv.limits, mem);
      const bdev = bdevCreate(q, drv.sizeBytes, drv.name);
      const pc = createPageCache({ mem, capacityPages: opts.capacityPages ?? 1024 });
      as = createAddressSpace({ pc, bdev, readAheadKb: opts.readAheadKb });
      return await fn({ dev, image, mem, drv, q, bdev, pc, as });
    } finally {
      if (as && !as.dead) await destroyAddressSpace(as, { writeback: false });
      if (q) {
        blkMqDrain(q);
        blkMqDestroyQueue(q);
      }
      drv?.close();
      destroyMemMap(mem);
    }
  }, { fill: opts.fill });
}

/** Deterministic bytes for (seed, i). */
export function pattern(seed: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (Math.imul(i + 1, 2654435761) ^ Math.imul(seed + 7, 40503)) >>> 24;
  return b;
}

/** Why the mmap tests cannot run here ('' when they can): they need loop devices and userfaultfd. */
export function mmapSkipReason(): string {
  const loop = probe.loop();
  const uffd = probe.userfaultfd();
  return !loop.ok ? loop.reason : !uffd.ok ? uffd.reason : '';
}

export { readImage } from '@biopath/testing';

/** How a child process ended: its stdout lines, exit code or the signal that killed it. */
export interface ChildResult {
  lines: string[];
  code: number | null;
  signal: string | null;
  timedOut: boolean;
}

/**
 * Run scenario `name` of fixtures/mmap-child.ts against loop device `dev` in a child process (a
 * SIGBUS there cannot kill the test runner); it is killed with SIGKILL after `timeoutMs`.
 */
export function runMmapChild(name: string, dev: string, timeoutMs = 30_000): Promise<ChildResult> {
  const script = fileURLToPath(new URL('./fixtures/mmap-child.ts', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, name, dev], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines: out.split('\n').filter((l) => l !== ''), code, signal, timedOut });
    });
  });
}

/** The fault worker spec for a mapping of device `dev` (fixtures/fault-device.ts opens its own driver). */
export const faultServer = (dev: string): FaultServerSpec =>
  ({ module: new URL('./fixtures/fault-device.ts', import.meta.url).href, options: { path: dev } });
