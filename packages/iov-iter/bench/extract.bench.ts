/**
 * Page extraction cost per page, one tinybench run: 1 MiB as ITER_UBUF, as ITER_IOVEC of 64 segments,
 * as ITER_BVEC (256 scattered single-page bvecs) and as ITER_XARRAY (256 folios), each drained with
 * the strategy the type allows: `pin` (iovIterExtractPages on user memory + unpin), `list`
 * (iovIterExtractPages on kernel memory, nothing to release) and `get` (iovIterGetPages2 + putPage),
 * at most 256 pages (BIO_MAX_VECS) per call. BVEC `list` runs in profiles `merged` (one bvec per call)
 * and `current` (multi-bvec). Prints ns per page and ratios against `get` of the same type.
 *
 *   npx tsx packages/iov-iter/bench/extract.bench.ts [--time-ms 500]
 */
import { Bench } from 'tinybench';
import {
  MmStruct, PAGE_SIZE, allocPages, createMemMap, destroyMemMap, expectNoLeakedPins, putPage, snapshotPins,
  unpinUserPages, type MemMap, type PinSnapshot, type Profile,
} from '@biopath/mm';
import {
  ITER_DEST, createIovIter, createXArray, iovIterBvec, iovIterExtractPages, iovIterGetPages2, iovIterInit,
  iovIterUbuf, iovIterXarray, xaStore, type BioVec, type ExtractResult, type IovIter, type PagesRef,
} from '../src/index.ts';

const MIB = 1 << 20;
const NPAGES = MIB / PAGE_SIZE;
const MAXPAGES = 256;

function arg(name: string, dflt: number): number {
  const k = process.argv.indexOf(name);
  return k > 0 ? Number(process.argv[k + 1]) : dflt;
}

const pages = new Int32Array(MAXPAGES);
const holder: PagesRef = { pages };
const res: ExtractResult = { bytes: 0, offset0: 0 };

function used(r: ExtractResult): number {
  return Math.ceil((r.offset0 + r.bytes) / PAGE_SIZE);
}

/** Drain `i` with iovIterExtractPages; unpin after each call if the pages are pinned. */
function drainExtract(mem: MemMap, i: IovIter, pinned: boolean): void {
  while (i.count) {
    const r = iovIterExtractPages(i, holder, Infinity, MAXPAGES, 0, res);
    if (r.bytes <= 0) throw new Error(`extract: ${r.bytes}`);
    if (pinned) unpinUserPages(mem, pages, used(r));
  }
}

/** Drain `i` with iovIterGetPages2 and drop each reference. */
function drainGet(mem: MemMap, i: IovIter): void {
  while (i.count) {
    const r = iovIterGetPages2(i, pages, Infinity, MAXPAGES, res);
    if (r.bytes <= 0) throw new Error(`get_pages2: ${r.bytes}`);
    for (let k = used(r) - 1; k >= 0; k--) putPage(mem, pages[k]!);
  }
}

interface Machine {
  mem: MemMap;
  mm: MmStruct;
  frames: number[];
  base: PinSnapshot;
}

function machine(profile: Profile): Machine {
  const mem = createMemMap({ nrPages: 4096, profile });
  return { mem, mm: new MmStruct(mem), frames: [], base: snapshotPins(mem) };
}

/** Free what the machine holds, check the leak gate, unmap its arena. */
function retire(m: Machine): void {
  m.mm.exit();
  for (const pfn of m.frames) putPage(m.mem, pfn);
  expectNoLeakedPins(m.mem, m.base);
  destroyMemMap(m.mem);
}

/** 256 single-page bvecs on frames that are never physically consecutive. */
function scatteredBvecs(m: Machine): BioVec[] {
  const bvec: BioVec[] = [];
  while (bvec.length < NPAGES) {
    const pfn = allocPages(m.mem, 0);
    m.frames.push(pfn);
    if (m.frames.length % 2 === 0) bvec.push({ bv_page: pfn, bv_offset: 0, bv_len: PAGE_SIZE });
  }
  return bvec;
}

function setup(): { tasks: [string, () => void][]; teardown: () => void } {
  const merged = machine('merged');
  const current = machine('current');
  const { mem, mm } = merged;
  const ubuf = mm.mmap(MIB);
  mm.write(ubuf, new Uint8Array(MIB).fill(1));
  const area = mm.mmap(2 * MIB);
  mm.write(area, new Uint8Array(2 * MIB).fill(2));
  const iov = Array.from({ length: 64 }, (_, k) => ({ iov_base: area + k * 32768, iov_len: 16384 }));
  const bvec = scatteredBvecs(merged);
  const bvecCur = scatteredBvecs(current);
  const xa = createXArray<number>();
  for (let k = 0; k < NPAGES; k++) {
    const pfn = allocPages(mem, 0);
    merged.frames.push(pfn);
    xaStore(xa, k, pfn);
  }
  const i = createIovIter();
  const tasks: [string, () => void][] = [
    ['UBUF pin', () => drainExtract(mem, iovIterUbuf(i, ITER_DEST, mm, ubuf, MIB), true)],
    ['UBUF get', () => drainGet(mem, iovIterUbuf(i, ITER_DEST, mm, ubuf, MIB))],
    ['IOVEC pin', () => drainExtract(mem, iovIterInit(i, ITER_DEST, mm, iov, 64, MIB), true)],
    ['IOVEC get', () => drainGet(mem, iovIterInit(i, ITER_DEST, mm, iov, 64, MIB))],
    ['BVEC list (merged)', () => drainExtract(mem, iovIterBvec(i, ITER_DEST, mem, bvec, NPAGES, MIB), false)],
    ['BVEC list (current)', () => drainExtract(current.mem, iovIterBvec(i, ITER_DEST, current.mem, bvecCur, NPAGES, MIB), false)],
    ['BVEC get', () => drainGet(mem, iovIterBvec(i, ITER_DEST, mem, bvec, NPAGES, MIB))],
    ['XARRAY list', () => drainExtract(mem, iovIterXarray(i, ITER_DEST, mem, xa, 0, MIB), false)],
    ['XARRAY get', () => drainGet(mem, iovIterXarray(i, ITER_DEST, mem, xa, 0, MIB))],
  ];
  return { tasks, teardown: () => [merged, current].forEach(retire) };
}

function nsPerPage(bench: Bench, name: string): number {
  const r = bench.getTask(name)?.result;
  if (r === undefined || !('latency' in r)) throw new Error(`${name}: no result`);
  return (r.latency.mean * 1e6) / NPAGES;
}

async function main(): Promise<void> {
  const { tasks, teardown } = setup();
  const bench = new Bench({ time: arg('--time-ms', 500), warmupTime: 100 });
  for (const [name, fn] of tasks) bench.add(name, fn);
  await bench.run();
  const get = (t: string): number => nsPerPage(bench, `${t} get`);
  console.log('| iterator (1 MiB) | strategy | ns per page | vs get of the same type |');
  console.log('|---|---|---:|---:|');
  for (const [name] of tasks) {
    const [type, strategy] = [name.split(' ')[0]!, name.slice(name.indexOf(' ') + 1)];
    const ns = nsPerPage(bench, name);
    console.log(`| ${type} | ${strategy} | ${ns.toFixed(1)} | ${(ns / get(type)).toFixed(2)} |`);
  }
  console.log(`\npin UBUF / list BVEC (merged): ${(nsPerPage(bench, 'UBUF pin') / nsPerPage(bench, 'BVEC list (merged)')).toFixed(1)}x`);
  teardown();
}

await main();
