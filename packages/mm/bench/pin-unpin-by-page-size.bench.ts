/**
 * gup_test-style pin/unpin timing (tools/testing/selftests/mm/gup_test.c, PIN_FAST_BENCHMARK):
 * pinUserPagesFast(FOLL_WRITE) over a populated region in calls of 512 pages, then unpinUserPages,
 * timed separately, for 4 KiB pages, PMD-mapped 2 MiB THPs and one 1 GiB hugetlb page. Prints time
 * per 4 KiB of memory and the ratio to the 4 KiB case; the three run alternately, `--rounds` times,
 * medians shown.
 *
 *   npx tsx --conditions=@biopath/source packages/mm/bench/pin-unpin-by-page-size.bench.ts [--mib 256] [--rounds 3]
 */
import { performance } from 'node:perf_hooks';
import {
  FOLL_WRITE, HPAGE_PMD_ORDER, MADV_HUGEPAGE, MmStruct, PAGE_SIZE, createMemMap, destroyMemMap, expectNoLeakedPins,
  pinUserPagesFast, snapshotPins, unpinUserPages,
} from '../src/index.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const PER_CALL = 512;
const THP = PAGE_SIZE << HPAGE_PMD_ORDER;

/** Pin then unpin `bytes` from `addr`; returns [pin ms, unpin ms]. */
function pinUnpin(mm: MmStruct, addr: number, bytes: number, pages: Int32Array): [number, number] {
  const n = bytes / PAGE_SIZE;
  const t0 = performance.now();
  for (let i = 0; i < n; i += PER_CALL) {
    if (pinUserPagesFast(mm, addr + i * PAGE_SIZE, PER_CALL, FOLL_WRITE, pages, i) !== PER_CALL) throw new Error('short pin');
  }
  const t1 = performance.now();
  unpinUserPages(mm.mem, pages, n);
  return [t1 - t0, performance.now() - t1];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const bytes = arg('--mib', 256) * 1024 * 1024;
  const rounds = arg('--rounds', 3);
  const hugeBytes = PAGE_SIZE << 18;
  const mem = createMemMap({ nrPages: 4 << 18, nrHugepages: { '1G': 1 } });
  const base = snapshotPins(mem);
  const mm = new MmStruct(mem);
  const small = mm.mmap(bytes);
  mm.write(small, new Uint8Array(bytes).fill(1));
  const raw = mm.mmap(bytes + THP);
  const thp = Math.ceil(raw / THP) * THP;
  mm.madvise(thp, bytes, MADV_HUGEPAGE);
  mm.write(thp, new Uint8Array(bytes).fill(1));
  const huge = mm.mmap(hugeBytes, { hugetlb: '1G' });
  mm.write(huge, new Uint8Array([1]));
  const pages = new Int32Array(hugeBytes / PAGE_SIZE);
  const cases = [
    { name: '4 KiB pages', addr: small, bytes, pin: [] as number[], unpin: [] as number[] },
    { name: '2 MiB THP', addr: thp, bytes, pin: [] as number[], unpin: [] as number[] },
    { name: '1 GiB hugetlb', addr: huge, bytes: hugeBytes, pin: [] as number[], unpin: [] as number[] },
  ];
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const [p, u] = pinUnpin(mm, c.addr, c.bytes, pages);
      c.pin.push((p * 1e6) / (c.bytes / PAGE_SIZE));
      c.unpin.push((u * 1e6) / (c.bytes / PAGE_SIZE));
    }
  }
  const ref = cases[0]!;
  console.log('memory | pin ns per 4 KiB | unpin ns per 4 KiB | pin vs 4 KiB | unpin vs 4 KiB');
  for (const c of cases) {
    console.log(`${c.name} | ${median(c.pin).toFixed(1)} | ${median(c.unpin).toFixed(1)} | ${(median(c.pin) / median(ref.pin)).toFixed(2)} | ${(median(c.unpin) / median(ref.unpin)).toFixed(2)}`);
  }
  mm.exit();
  expectNoLeakedPins(mem, base);
  destroyMemMap(mem);
}

main();
