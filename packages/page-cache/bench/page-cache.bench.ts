// The page cache against the kernel's, in one run on one loop device:
//  (1) 4 KiB random reads of cached data: filemapRead (async, and the synchronous nowait core) vs
//      Node's fs.read (async, threadpool) and fs.readSync on a kernel-cached file — tinybench tasks.
//  (2) sequential buffered read throughput from a cold cache, 128 KiB reads: filemapRead (our
//      readahead, bios through the bdev driver) vs fs.read on the loop device node (the kernel's
//      page cache and readahead; `blockdev --flushbufs` empties it), alternating, medians. Our
//      readahead window is set to the device's read_ahead_kb, the kernel's window for it.
//  (3) mmap first-touch pages per second: one byte per page of a fresh mapping, the JS thread
//      blocking in each userfaultfd fault, with the pages cold (device reads by the fault worker)
//      and with them already cached (served by the native handler, with the default 64 KiB
//      fault-around), alternating, medians. mmap-faults.bench.ts compares faults with their floors.
// Usage: node --import tsx --conditions @biopath/source packages/page-cache/bench/page-cache.bench.ts
//        [--time-ms 1000] [--reps 3] [--size-mib 64]
// (under `npx tsx` the fault worker's own threads cannot load the fixture's TypeScript)
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, read, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { bdevCreate, blkMqDestroyQueue, blkMqDrain, blkMqInitQueue } from '@biopath/block';
import { createMemMap, destroyMemMap } from '@biopath/mm';
import { createBdevDriver } from '@biopath/nvme';
import {
  createAddressSpace, createPageCache, destroyAddressSpace, filemapRead, filemapReadNowait, invalidateMappingPages, mmap,
  munmap, type AddressSpace,
} from '@biopath/page-cache';
import { attachLoop, createImage, detachLoop, removeImage } from '@biopath/testing';

const { values: o } = parseArgs({
  options: { 'time-ms': { type: 'string', default: '1000' }, reps: { type: 'string', default: '3' }, 'size-mib': { type: 'string', default: '64' } },
});
const TIME = Number(o['time-ms']);
const REPS = Number(o.reps);
const SIZE = Number(o['size-mib']) << 20;
const HOT = Math.min(SIZE, 32 << 20);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fsRead = (fd: number, buf: Uint8Array, pos: number): Promise<number> =>
  new Promise((resolve, reject) => read(fd, buf, 0, buf.length, pos, (e, n) => (e ? reject(e) : resolve(n))));

let seed = 12345;
function randPage(limit: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed % (limit / 4096)) * 4096;
}

async function randomReads(as: AddressSpace, image: string): Promise<Record<string, number>> {
  const buf = new Uint8Array(4096);
  for (let p = 0; p < HOT; p += 1 << 20) await filemapRead(as.file, p, new Uint8Array(1 << 20));
  const fd = openSync(image, 'r');
  for (let p = 0; p < HOT; p += 1 << 20) readSync(fd, Buffer.alloc(1 << 20), 0, 1 << 20, p);
  const bench = new Bench({ time: TIME, warmupTime: 200 });
  bench.add('filemapRead 4k (cached)', async () => { await filemapRead(as.file, randPage(HOT), buf); });
  bench.add('fs.read 4k (kernel-cached)', async () => { await fsRead(fd, buf, randPage(HOT)); });
  bench.add('filemapReadNowait 4k (cached, sync)', () => { filemapReadNowait(as.file, randPage(HOT), buf, 0, 4096); });
  bench.add('fs.readSync 4k (kernel-cached)', () => { readSync(fd, buf, 0, 4096, randPage(HOT)); });
  await bench.run();
  closeSync(fd);
  const out: Record<string, number> = {};
  for (const t of bench.tasks) {
    const r = t.result as { throughput?: { mean: number } } | undefined;
    out[t.name] = r?.throughput?.mean ?? NaN;
  }
  return out;
}

async function seqOurs(as: AddressSpace): Promise<number> {
  invalidateMappingPages(as);
  const buf = new Uint8Array(128 * 1024);
  const t0 = performance.now();
  for (let p = 0; p < SIZE; p += buf.length) await filemapRead(as.file, p, buf);
  return SIZE / ((performance.now() - t0) / 1000) / (1 << 20);
}

async function seqKernel(dev: string): Promise<number> {
  execFileSync('blockdev', ['--flushbufs', dev]);
  const fd = openSync(dev, 'r');
  const buf = new Uint8Array(128 * 1024);
  const t0 = performance.now();
  for (let p = 0; p < SIZE; p += buf.length) await fsRead(fd, buf, p);
  const mbs = SIZE / ((performance.now() - t0) / 1000) / (1 << 20);
  closeSync(fd);
  return mbs;
}

async function faults(as: AddressSpace, dev: string, cold: boolean): Promise<number> {
  const len = Math.min(SIZE, 16 << 20);
  invalidateMappingPages(as);
  if (!cold) for (let p = 0; p < len; p += 1 << 20) await filemapRead(as.file, p, new Uint8Array(1 << 20));
  const m = await mmap(as, 0, len, { faultServer: { module: new URL('../test/fixtures/fault-device.ts', import.meta.url).href, options: { path: dev } } });
  let sum = 0;
  const t0 = performance.now();
  for (let p = 0; p < len; p += 4096) sum += m.buffer[p]!;
  const dt = (performance.now() - t0) / 1000;
  await munmap(m);
  if (sum < 0) throw new Error('unreachable');
  return len / 4096 / dt;
}

async function main(): Promise<void> {
  const image = createImage(SIZE);
  const dev = attachLoop(image);
  const mem = createMemMap({ nrPages: SIZE / 4096 + 8192 });
  const drv = createBdevDriver({ path: dev, mem });
  const q = blkMqInitQueue(drv.set, drv.limits, mem);
  const bdev = bdevCreate(q, drv.sizeBytes, drv.name);
  const pc = createPageCache({ mem, capacityPages: SIZE / 4096 + 4096 });
  const raKb = Number(readFileSync(`/sys/block/${basename(dev)}/queue/read_ahead_kb`, 'utf8'));
  const as = createAddressSpace({ pc, bdev, readAheadKb: raKb });
  console.log(`device ${dev}: ${SIZE >> 20} MiB loop device (direct-io), read_ahead_kb ${raKb}`);
  try {
    const rr = await randomReads(as, image);
    console.log('4 KiB random reads of cached data (reads/s):');
    for (const [k, v] of Object.entries(rr)) console.log(`  ${k.padEnd(38)} ${Math.round(v).toLocaleString('en-US')}`);
    console.log(`  async ratio filemapRead / fs.read = ${(rr['filemapRead 4k (cached)']! / rr['fs.read 4k (kernel-cached)']!).toFixed(2)}`);
    const ours: number[] = [];
    const kern: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < REPS; r++) {
      ours.push(await seqOurs(as));
      kern.push(await seqKernel(dev));
      cold.push(await faults(as, dev, true));
      warm.push(await faults(as, dev, false));
    }
    console.log(`sequential 128 KiB reads, cold cache, ${SIZE >> 20} MiB (MiB/s, median of ${REPS}):`);
    console.log(`  filemapRead ${median(ours).toFixed(0)}   fs.read on ${dev} ${median(kern).toFixed(0)}   ratio ${(median(ours) / median(kern)).toFixed(2)}`);
    console.log(`mmap first-touch faults/s (median of ${REPS}): cold ${Math.round(median(cold)).toLocaleString('en-US')}   cached ${Math.round(median(warm)).toLocaleString('en-US')}`);
  } finally {
    await destroyAddressSpace(as, { writeback: false });
    blkMqDrain(q);
    blkMqDestroyQueue(q);
    drv.close();
    destroyMemMap(mem);
    detachLoop(dev);
    removeImage(image);
  }
}

await main();
