// mmap first-touch faults against their floors, in one run on one loop device (direct-io). Every
// side reads one byte of each page of a fresh 16 MiB shared mapping from the JS thread, blocking
// in each userfaultfd fault:
//   bare      a bare native handler (packages/native/examples/uffd_bare.rs, a child process): a
//             memfd alias registered MINOR, a thread that only polls, reads and UFFDIO_CONTINUEs —
//             the floor for a cached-page fault on this machine;
//   cached    biopath, pages already in the cache: the native handler serves every fault from the
//             run's state words (fault-around off, so one fault per page, like `bare`);
//   cached/around  the same with the default 64 KiB fault-around (fewer faults per page);
//   cached/worker  today's design before this change: every fault deferred to the JS fault
//             worker (the mapping's resolver set back to `defer`), the peer for the 5x goal;
//   cold      biopath, empty cache: the fault worker reads clusters of `--ra-kb` (the readahead
//             window) in batches of bios, cached neighbours are mapped natively (64 KiB window);
//   pread     4 KiB QD1 reads of the same pages through the same driver (bdev, submitBioWait): the
//             device's own rate for the cold goal (cold >= 0.5 x pread x pages per device read).
// Sides alternate within each round; each round is one row. faults/s = pages touched / time;
// us/fault = time / faults the handler saw (uffd stats), so fault-around shows as fewer faults.
// Usage: node --import tsx --conditions @biopath/source packages/page-cache/bench/mmap-faults.bench.ts
//        [--rounds 3] [--size-mib 16] [--ra-kb 64]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REQ_OP_READ, bdevCreate, bioAddPage, bioAlloc, bioPut, blkMqDestroyQueue, blkMqDrain, blkMqInitQueue, submitBioWait, type BlockDevice } from '@biopath/block';
import { allocPages, createMemMap, destroyMemMap, putPage, type MemMap } from '@biopath/mm';
import { createBdevDriver } from '@biopath/nvme';
import {
  createAddressSpace, createPageCache, destroyAddressSpace, filemapRead, invalidateMappingPages, mmap, munmap, type AddressSpace,
} from '@biopath/page-cache';
import { attachLoop, createImage, detachLoop, removeImage } from '@biopath/testing';

const { values: o } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'size-mib': { type: 'string', default: '16' }, 'ra-kb': { type: 'string', default: '64' } } });
const ROUNDS = Number(o.rounds);
const LEN = Number(o['size-mib']) << 20;
const PAGES = LEN / 4096;
const root = fileURLToPath(new URL('../../..', import.meta.url));
const faultServer = (dev: string) => ({ module: new URL('../test/fixtures/fault-device.ts', import.meta.url).href, options: { path: dev } });

interface Sample { perSec: number; usPerFault: number; faults: number }

function bareBinary(): string {
  execFileSync('cargo', ['build', '--release', '-q', '-p', 'biopath-native', '--example', 'uffd_bare'], { cwd: root, stdio: 'inherit' });
  return `${root}target/release/examples/uffd_bare`;
}

function bare(bin: string): Sample {
  const r = JSON.parse(execFileSync(bin, [String(PAGES), '1'], { encoding: 'utf8' }).trim()) as { seconds: number; faults: number };
  return { perSec: PAGES / r.seconds, usPerFault: (r.seconds * 1e6) / r.faults, faults: r.faults };
}

type Mode = 'cached' | 'cached/around' | 'cached/worker' | 'cold' | 'cold/1';

async function touch(as: AddressSpace, dev: string, mode: Mode): Promise<Sample> {
  invalidateMappingPages(as);
  if (mode.startsWith('cached')) for (let p = 0; p < LEN; p += 1 << 20) await filemapRead(as.file, p, new Uint8Array(1 << 20));
  const around = mode === 'cached' || mode === 'cold/1' ? 4096 : 65536;
  const m = await mmap(as, 0, LEN, { faultServer: faultServer(dev), faultAroundBytes: around });
  if (mode === 'cached/worker') m.run.uffd!.setResolver(m.run.view!.iova, LEN, 'defer');
  let sum = 0;
  const t0 = performance.now();
  for (let p = 0; p < LEN; p += 4096) sum += m.buffer[p]!;
  const dt = (performance.now() - t0) / 1000;
  const st = m.run.uffd!.stats();
  await munmap(m);
  if (sum < 0) throw new Error('unreachable');
  const faults = st.minor + st.deferred;
  return { perSec: PAGES / dt, usPerFault: (dt * 1e6) / faults, faults };
}

/** 4 KiB QD1 reads of the mapping's pages through the same driver. */
function pread(bdev: BlockDevice, mem: MemMap): Sample {
  const page = allocPages(mem, 0);
  const t0 = performance.now();
  for (let k = 0; k < PAGES; k++) {
    const bio = bioAlloc(bdev, 1, REQ_OP_READ);
    bio.bi_iter.bi_sector = k * 8;
    bioAddPage(bio, page, 4096, 0);
    if (submitBioWait(bio) !== 0) throw new Error('pread failed');
    bioPut(bio);
  }
  const dt = (performance.now() - t0) / 1000;
  putPage(mem, page);
  return { perSec: PAGES / dt, usPerFault: (dt * 1e6) / PAGES, faults: PAGES };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const k = (x: number): string => (x >= 1e5 ? `${(x / 1e3).toFixed(0)}k` : `${(x / 1e3).toFixed(1)}k`);

async function main(): Promise<void> {
  const bin = bareBinary();
  const image = createImage(LEN * 2);
  const dev = attachLoop(image);
  const mem = createMemMap({ nrPages: 3 * PAGES + 4096 });
  const drv = createBdevDriver({ path: dev, mem });
  const q = blkMqInitQueue(drv.set, drv.limits, mem);
  const bdev = bdevCreate(q, drv.sizeBytes, drv.name);
  const pc = createPageCache({ mem, capacityPages: 2 * PAGES + 1024 });
  const as = createAddressSpace({ pc, bdev, readAheadKb: Number(o['ra-kb']) });
  const sides = ['bare', 'cached', 'cached/around', 'cached/worker', 'cold', 'cold/1', 'pread'] as const;
  console.log(`device ${dev}: loop (direct-io); mapping ${LEN >> 20} MiB = ${PAGES} pages; cold cluster ${Math.min(256, as.ra_pages)} pages (--ra-kb ${o['ra-kb']})`);
  console.log(`load average before: ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim()}`);
  const all: Record<string, Sample>[] = [];
  try {
    await touch(as, dev, 'cached');
    for (let r = 0; r < ROUNDS; r++) {
      const out: Record<string, Sample> = {};
      all.push(out);
      const order = [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)];
      for (const s of order) out[s] = s === 'bare' ? bare(bin) : s === 'pread' ? pread(bdev, mem) : await touch(as, dev, s);
      const row = sides.map((s) => `${s} ${k(out[s]!.perSec)}/s ${out[s]!.usPerFault.toFixed(1)}us/f (${out[s]!.faults}f)`).join(' | ');
      console.log(`round ${r + 1}: ${row}`);
      const b = out.bare!.perSec;
      console.log(`  ratios: cached/bare ${(out.cached!.perSec / b).toFixed(2)}  cached/worker-path ${(out.cached!.perSec / out['cached/worker']!.perSec).toFixed(1)}  ` +
        `cached+around/bare ${(out['cached/around']!.perSec / b).toFixed(2)}  cold/pread ${(out.cold!.perSec / out.pread!.perSec).toFixed(1)}  ` +
        `cold(1 page/fault)/pread ${(out['cold/1']!.perSec / out.pread!.perSec).toFixed(1)}`);
    }
    const med = (f: (o: Record<string, Sample>) => number): number => median(all.map(f));
    console.log(`medians of ${ROUNDS} rounds:`);
    for (const side of sides) {
      console.log(`  ${side.padEnd(14)} ${k(med((x) => x[side]!.perSec)).padStart(6)} pages/s  ${med((x) => x[side]!.usPerFault).toFixed(1).padStart(7)} us/fault  ${med((x) => x[side]!.faults)} faults`);
    }
    console.log(`  cached / bare ${med((x) => x.cached!.perSec / x.bare!.perSec).toFixed(2)}   cached / worker path ${med((x) => x.cached!.perSec / x['cached/worker']!.perSec).toFixed(1)}   ` +
      `cold / pread ${med((x) => x.cold!.perSec / x.pread!.perSec).toFixed(1)}   cold(1) / pread ${med((x) => x['cold/1']!.perSec / x.pread!.perSec).toFixed(1)}`);
    console.log(`load average after: ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim()}`);
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
