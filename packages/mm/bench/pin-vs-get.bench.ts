/**
 * FOLL_PIN vs FOLL_GET on the GUP-fast path: pin_user_pages_fast + unpin_user_pages against
 * get_user_pages_fast + put_page, for 1, 16 and 256 present, writable, exclusive pages, in one
 * tinybench run (tasks interleaved by size). Prints ns per page and the pin/get ratio.
 *
 *   npx tsx packages/mm/bench/pin-vs-get.bench.ts [--time-ms 500]
 */
import { Bench } from 'tinybench';
import {
  FOLL_WRITE, MmStruct, PAGE_SIZE, createMemMap, destroyMemMap, expectNoLeakedPins, getUserPagesFast,
  pinUserPagesFast, putPage, snapshotPins, unpinUserPages, type MemMap,
} from '../src/index.ts';

const SIZES = [1, 16, 256];

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function pinUnpin(mem: MemMap, mm: MmStruct, addr: number, n: number, pages: Int32Array): void {
  if (pinUserPagesFast(mm, addr, n, FOLL_WRITE, pages) !== n) throw new Error('short pin');
  unpinUserPages(mem, pages, n);
}

function getPut(mem: MemMap, mm: MmStruct, addr: number, n: number, pages: Int32Array): void {
  if (getUserPagesFast(mm, addr, n, FOLL_WRITE, pages) !== n) throw new Error('short get');
  for (let i = 0; i < n; i++) putPage(mem, pages[i]);
}

function nsPerPage(bench: Bench, name: string, n: number): number {
  const r = bench.getTask(name)?.result;
  if (r === undefined || !('latency' in r)) throw new Error(`${name}: no result`);
  return (r.latency.mean * 1e6) / n;
}

async function main(): Promise<void> {
  const mem = createMemMap({ nrPages: 1024 });
  const base = snapshotPins(mem);
  const mm = new MmStruct(mem);
  const max = SIZES[SIZES.length - 1]!;
  const addr = mm.mmap(max * PAGE_SIZE);
  mm.write(addr, new Uint8Array(max * PAGE_SIZE).fill(1));
  const pages = new Int32Array(max);
  const bench = new Bench({ time: arg('--time-ms', 500), warmupTime: 100 });
  for (const n of SIZES) {
    bench.add(`pin+unpin ${n}`, () => pinUnpin(mem, mm, addr, n, pages));
    bench.add(`get+put ${n}`, () => getPut(mem, mm, addr, n, pages));
  }
  await bench.run();
  console.log('pages | pin+unpin ns/page | get+put ns/page | pin/get');
  for (const n of SIZES) {
    const pin = nsPerPage(bench, `pin+unpin ${n}`, n);
    const get = nsPerPage(bench, `get+put ${n}`, n);
    console.log(`${String(n).padStart(5)} | ${pin.toFixed(1).padStart(17)} | ${get.toFixed(1).padStart(15)} | ${(pin / get).toFixed(2)}`);
  }
  mm.exit();
  expectNoLeakedPins(mem, base);
  destroyMemMap(mem);
}

await main();
